public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A command run to its end: its status and everything it printed (stdout and stderr together,
/// in the order written), without a thread of the cooperative pool waiting on it.
///
/// A child still running at `timeout` is killed and the wait fails with what it printed, so a
/// command expected to stop that starts serving instead fails its test rather than hanging the
/// suite.
public enum ChildProcess {
    public struct Finished: Sendable {
        /// The exit status, or 128 + the signal that ended it, as a shell reports it.
        public let status: Int32
        public let output: String
    }

    /// Runs `executable` with `environment` over this process's; `input` is a file for its stdin
    /// (/dev/null without one).
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], input: URL? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> Finished {
        let printed = PrintedTail(keeping: 16 * 1024 * 1024)
        let child = try SpawnedChild(
            executable.path, arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            input: input?.path ?? "/dev/null", onOutput: { printed.append(Data($0)) })
        let deadline = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return false }
            return child.signal(SIGKILL)
        }
        let status = await child.exit(includingOutput: true)
        deadline.cancel()
        if await deadline.value {
            let command = ([executable.lastPathComponent] + arguments).joined(separator: " ")
            throw TimedOut(what: "\(command) to exit; it printed:\n\(printed.text)")
        }
        return Finished(status: status, output: printed.text)
    }
}
