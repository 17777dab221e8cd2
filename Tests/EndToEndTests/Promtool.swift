import Foundation
import Testing
import TestSupport

/// Prometheus's own checker (`promtool`, installed by scripts/test) on an exposition or a
/// configuration file.
enum Promtool {
    struct Result {
        let status: Int32
        let output: String
    }

    static var executable: URL {
        get throws {
            guard let path = ProcessInfo.processInfo.environment["BAZAAR_TEST_PROMTOOL"] else { throw Missing() }
            return URL(fileURLWithPath: path)
        }
    }

    /// `promtool check metrics` with `exposition` on stdin.
    static func checkMetrics(_ exposition: String) async throws -> Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try Data(exposition.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await run(["check", "metrics"], input: file)
    }

    /// `promtool check config FILE`.
    static func checkConfig(_ file: URL) async throws -> Result {
        try await run(["check", "config", file.path], input: nil)
    }

    private static func run(_ arguments: [String], input: URL?) async throws -> Result {
        let finished = try await ChildProcess.run(try executable, arguments, input: input)
        return Result(status: finished.status, output: finished.output)
    }

    struct Missing: Error, CustomStringConvertible {
        let description = "BAZAAR_TEST_PROMTOOL is not set: run the suite with scripts/test, which installs promtool"
    }
}
