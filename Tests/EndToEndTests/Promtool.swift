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
    static func checkMetrics(_ exposition: String) throws -> Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try Data(exposition.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try run(["check", "metrics"], input: try FileHandle(forReadingFrom: file))
    }

    /// `promtool check config FILE`.
    static func checkConfig(_ file: URL) throws -> Result {
        try run(["check", "config", file.path], input: nil)
    }

    private static func run(_ arguments: [String], input: FileHandle?) throws -> Result {
        let process = Process()
        process.executableURL = try executable
        process.arguments = arguments
        if let input { process.standardInput = input }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try ProcessLaunch.run(process)
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: printed)
    }

    struct Missing: Error, CustomStringConvertible {
        let description = "BAZAAR_TEST_PROMTOOL is not set: run the suite with scripts/test, which installs promtool"
    }
}
