public import Foundation
import Synchronization

/// A process the tests talk to and read line by line: a real protocol peer from PyPI
/// (python-socketio, aiosmtpd) run by the Python that scripts/test prepared
/// (`BAZAAR_TEST_PYTHON`), or one of the repository's scripts.
public final class PeerProcess: Sendable {
    private let process: Process
    private let pipe = Pipe()
    private let lines = Mutex<[String]>([])
    private let partial = Mutex<String>("")
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
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = pipe
        process.standardError = keepStandardError ? pipe : FileHandle.nullDevice
        self.process = process
        self.killAfter = killAfter
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            // At end of file the handler must go: a dispatch source left on a closed pipe
            // corrupts libdispatch (seen here as crashes and lost timers).
            if data.isEmpty { handle.readabilityHandler = nil } else { self?.receive(data) }
        }
        try ProcessLaunch.run(process)
    }

    deinit {
        stop()
        pipe.fileHandleForReading.readabilityHandler = nil
    }

    private func receive(_ data: Data) {
        let complete = partial.withLock { buffer -> [String] in
            buffer += String(decoding: data, as: UTF8.self)
            var parts = buffer.components(separatedBy: "\n")
            buffer = parts.removeLast()
            return parts
        }
        lines.withLock { $0 += complete }
    }

    /// The root of the repository.
    public static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public static var peersDirectory: URL { repository.appendingPathComponent("scripts/peers") }

    public var output: [String] { lines.withLock { $0 } }
    public var isRunning: Bool { process.isRunning }
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// Waits for a line starting with `prefix` and returns it.
    public func line(startingWith prefix: String, timeout: Duration = .seconds(20)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.first(where: { $0.hasPrefix(prefix) }) { return line }
            if !process.isRunning, output.first(where: { $0.hasPrefix(prefix) }) == nil {
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
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        guard !process.isRunning else { throw PeerFailed(output: "still running:\n" + output.joined(separator: "\n")) }
        try await Task.sleep(for: .milliseconds(50))
        return process.terminationStatus
    }

    /// SIGTERM now, SIGKILL `killAfter` seconds later if the peer is still there. Never blocks:
    /// a test that waited here would hold one of the few cooperative threads.
    public func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        process.terminate()
        Thread.detachNewThread { [killAfter] in
            Thread.sleep(forTimeInterval: killAfter)
            if self.process.isRunning { kill(pid, SIGKILL) }
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
