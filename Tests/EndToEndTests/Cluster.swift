import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport

/// `scripts/cluster` run by a test: every module its own `bazaar serve` and the gateway in
/// front, as processes on loopback, on the PostgreSQL database given.
final class Cluster: Sendable {
    /// The order in which scripts/cluster gives the modules the ports after the gateway's.
    static let modules = ["identity", "catalog", "cart", "ordering", "promotions", "notifications"]
    let script: PeerProcess
    let gatewayPort: Int
    /// The processes' logs, removed with the cluster (the script prints the tail of a process
    /// that fails to start).
    let logs = FileManager.default.temporaryDirectory.appendingPathComponent("bazaar-cluster-test-\(UUID().uuidString)")

    init(database: String, environment: [String: String] = [:]) async throws {
        gatewayPort = Self.freePortRange(count: Self.modules.count + 1)
        var environment = environment
        environment["BAZAAR_ADMIN_EMAIL"] = TestBazaar.adminEmail
        environment["BAZAAR_ADMIN_PASSWORD"] = TestBazaar.adminPassword
        environment["BAZAAR_BCRYPT_COST"] = "4"
        environment["BAZAAR_LOG_LEVEL"] = "warning"
        environment["BAZAAR_DATABASE_POOL"] = "5"
        script = try PeerProcess(
            executable: PeerProcess.repository.appendingPathComponent("scripts/cluster"),
            arguments: ["--port", String(gatewayPort), "--database", database, "--binary", try LiveProcess.binary.path, "--logs", logs.path],
            environment: environment, keepStandardError: true, killAfter: 20)
        _ = try await script.line(startingWith: "cluster: ready", timeout: .seconds(120))
    }

    deinit {
        script.stop()
        try? FileManager.default.removeItem(at: logs)
    }

    var gateway: Loopback { Loopback(port: gatewayPort) }

    func module(_ name: String) -> Loopback {
        Loopback(port: gatewayPort + 1 + Self.modules.firstIndex(of: name)!)
    }

    var processes: [(name: String, http: Loopback)] {
        [("gateway", gateway)] + Self.modules.map { ($0, module($0)) }
    }

    /// Stops the script and waits until it has stopped every process it started.
    func stop() async throws -> Int32 {
        script.stop()
        return try await script.waitForExit(timeout: .seconds(30))
    }

    /// The first port of `count` consecutive free loopback ports, below Linux's ephemeral range
    /// (32768 and up) so that neither outgoing connections nor `LiveProcess.freePort` take them.
    static func freePortRange(count: Int) -> Int {
        while true {
            let first = Int.random(in: 15_000...(32_000 - count))
            if (first..<first + count).allSatisfy(isFree) { return first }
        }
    }

    private static func isFree(_ port: Int) -> Bool {
        guard let socket = LoopbackSocket(port: port) else { return false }
        socket.close()
        return true
    }
}
