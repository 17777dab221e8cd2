public import Foundation
import Synchronization

/// A process the tests talk to and read line by line: a real protocol peer from PyPI
/// (python-socketio, aiosmtpd) run by the Python that scripts/test prepared
/// (`BAZAAR_TEST_PYTHON`), or one of the repository's scripts.
public final class PeerProcess: Sendable {
    private let child: SpawnedChild
    private let lines = Lines()
    private let killAfter: TimeInterval

    /// `script` is a file in `scripts/peers/`.
    public convenience init(script: String, arguments: [String]) throws {
        guard let python = ProcessInfo.processInfo.environment["BAZAAR_TEST_PYTHON"] else { throw MissingPython() }
        // The protocol lines are on stdout; library warnings on stderr could land inside them.
        try self.init(
            executable: URL(fileURLWithPath: python), arguments: [Self.peersDirectory.appendingPathComponent(script).path] + arguments,
            keepStandardError: false)
    }

    /// `keepStandardError` mixes stderr into the lines; `killAfter` is how long `stop` lets it
    /// clean up after SIGTERM before SIGKILL.
    public init(
        executable: URL, arguments: [String], environment: [String: String] = [:], keepStandardError: Bool, killAfter: TimeInterval = 2
    ) throws {
        self.killAfter = killAfter
        let lines = lines
        child = try SpawnedChild(
            executable.path, arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new },
            keepStandardError: keepStandardError,
            onOutput: { lines.receive($0) })
    }

    deinit { stop() }

    /// What the peer printed, split into lines as it comes.
    private final class Lines: Sendable {
        private let state = Mutex<(complete: [String], partial: String)>(([], ""))

        func receive(_ bytes: [UInt8]) {
            state.withLock { state in
                state.partial += String(decoding: bytes, as: UTF8.self)
                var parts = state.partial.components(separatedBy: "\n")
                state.partial = parts.removeLast()
                state.complete += parts
            }
        }

        var complete: [String] { state.withLock { $0.complete } }
    }

    /// The root of the repository.
    public static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public static var peersDirectory: URL { repository.appendingPathComponent("scripts/peers") }

    public var output: [String] { lines.complete }
    public var isRunning: Bool { child.isRunning }
    public var exitStatus: Int32? { child.exitStatus }

    /// Waits for a line starting with `prefix` and returns it.
    public func line(startingWith prefix: String, timeout: Duration = .seconds(20)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.first(where: { $0.hasPrefix(prefix) }) { return line }
            if !child.isRunning, output.first(where: { $0.hasPrefix(prefix) }) == nil {
                try await Task.sleep(for: .milliseconds(100))  // the last lines may still be in the pipe
                if let line = output.first(where: { $0.hasPrefix(prefix) }) { return line }
                throw PeerFailed(output: output.joined(separator: "\n"))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw PeerFailed(output: "timed out waiting for '\(prefix)':\n" + output.joined(separator: "\n"))
    }

    /// Waits for the process to end by itself.
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while child.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        guard let status = child.exitStatus else { throw PeerFailed(output: "still running:\n" + output.joined(separator: "\n")) }
        try await Task.sleep(for: .milliseconds(50))  // the last lines may still be in the pipe
        return status
    }

    /// SIGTERM now, SIGKILL `killAfter` seconds later if the peer is still there. Never blocks:
    /// a test that waited here would hold one of the few cooperative threads.
    public func stop() {
        guard child.signal(SIGTERM) else { return }
        Thread.detachNewThread { [child, killAfter] in
            if !child.waitUntilExitBlocking(for: .seconds(killAfter)) { child.signal(SIGKILL) }
        }
    }

    public struct MissingPython: Error, CustomStringConvertible {
        public let description = "BAZAAR_TEST_PYTHON is not set: run the suite with scripts/test, which installs the Python peers"
    }

    public struct PeerFailed: Error, CustomStringConvertible {
        public let output: String
        public var description: String { "peer failed:\n\(output)" }
    }
}
