public import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A command run to its end, spawned with `posix_spawn` and watched by a thread of its own that
/// reads the output to end of file and then reaps the child: no thread of the cooperative pool
/// waits, and nothing of Foundation's `Process` is involved.
///
/// Why not `Process`: the blocking pair (`readDataToEndOfFile`, `waitUntilExit`, which spins a
/// run loop) held a thread of the two-thread cooperative pool for the child's whole life; and
/// its asynchronous side loses events when tests start children in parallel. A version of this
/// helper built on `readabilityHandler` and `terminationHandler` hung the suite: the children
/// had exited and been reaped, their pipes were at end of file, and neither handler ever ran
/// (libdispatch and CFSocket keep their sources by descriptor number, and those numbers are
/// reused at once).
///
/// A child still running at `timeout` is killed and the wait fails with what it printed, so a
/// command expected to stop that starts serving instead fails its test rather than hanging the
/// suite.
public enum ChildProcess {
    public struct Finished: Sendable {
        /// The exit status, or 128 + the signal that ended it, as a shell reports it.
        public let status: Int32
        /// Standard output and standard error together, in the order written.
        public let output: String
    }

    public struct LaunchFailed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `executable` with `environment` over this process's; `input` is a file for its stdin
    /// (/dev/null without one).
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], input: URL? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> Finished {
        let child = try Child.spawn(
            executable.path, arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            input: input?.path ?? "/dev/null")
        let deadline = Task {
            try await Task.sleep(for: timeout)
            child.killIfRunning()
        }
        let finished = await child.finished()
        deadline.cancel()
        if child.wasKilled {
            let command = ([executable.lastPathComponent] + arguments).joined(separator: " ")
            throw TimedOut(what: "\(command) to exit; it printed:\n\(finished.output)")
        }
        return finished
    }

    private final class Child: Sendable {
        private struct State {
            var reaped = false
            var killed = false
        }

        private let pid: pid_t
        private let outputDescriptor: Int32
        private let state = Mutex(State())

        private init(pid: pid_t, outputDescriptor: Int32) {
            self.pid = pid
            self.outputDescriptor = outputDescriptor
        }

        static func spawn(_ path: String, arguments: [String], environment: [String: String], input: String) throws -> Child {
            try ProcessLaunch.serialized {
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { throw LaunchFailed(description: "pipe: \(String(cString: strerror(errno)))") }
                // The read end stays here only; the write end reaches the child as 1 and 2.
                _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
                _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
                defer { close(ends[1]) }

                var actions = posix_spawn_file_actions_t()
                posix_spawn_file_actions_init(&actions)
                defer { posix_spawn_file_actions_destroy(&actions) }
                posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
                posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
                posix_spawn_file_actions_adddup2(&actions, ends[1], 2)

                // Threads here may block SIGTERM and SIGINT (see ProcessLaunch); the child
                // starts with none blocked and their default actions.
                var attributes = posix_spawnattr_t()
                posix_spawnattr_init(&attributes)
                defer { posix_spawnattr_destroy(&attributes) }
                var none = sigset_t()
                sigemptyset(&none)
                posix_spawnattr_setsigmask(&attributes, &none)
                var defaults = sigset_t()
                sigemptyset(&defaults)
                for signal in [SIGTERM, SIGINT, SIGPIPE] { sigaddset(&defaults, signal) }
                posix_spawnattr_setsigdefault(&attributes, &defaults)
                posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

                var pid = pid_t()
                let argv = ([path] + arguments).map { strdup($0) } + [nil]
                let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
                defer { for pointer in argv + envp { free(pointer) } }
                let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
                guard result == 0 else {
                    close(ends[0])
                    throw LaunchFailed(description: "\(path): \(String(cString: strerror(result)))")
                }
                return Child(pid: pid, outputDescriptor: ends[0])
            }
        }

        /// Reads to end of file, then reaps, on a thread of its own.
        func finished() async -> Finished {
            await withCheckedContinuation { continuation in
                let watcher = Thread { continuation.resume(returning: self.readAndReap()) }
                watcher.start()
            }
        }

        private func readAndReap() -> Finished {
            var output = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(outputDescriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    output += buffer[..<count]
                } else if count == 0 || errno != EINTR {
                    break
                }
            }
            close(outputDescriptor)
            // Wait for the exit without reaping, then reap under the lock: until then the pid is
            // this child's, so `killIfRunning` never signals a process that reused it.
            var info = siginfo_t()
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1, errno == EINTR {}
            var status: Int32 = 0
            state.withLock { state in
                while waitpid(pid, &status, 0) == -1, errno == EINTR {}
                state.reaped = true
            }
            let signal = status & 0x7f
            return Finished(
                status: signal == 0 ? (status >> 8) & 0xff : 128 + signal, output: String(decoding: output, as: UTF8.self))
        }

        func killIfRunning() {
            state.withLock { state in
                guard !state.reaped else { return }
                state.killed = true
                kill(pid, SIGKILL)
            }
        }

        var wasKilled: Bool { state.withLock { $0.killed } }
    }
}
