import Foundation
import Testing
import TestSupport

@Suite("Operator commands")
struct OperatorCommandTests {
    @Test(arguments: TestEngine.allCases)
    func migrateCreatePromoteAndRotate(engine: TestEngine) async throws {
        let (location, drop) = try await engine.freshDatabase()
        defer { Task { await drop() } }
        let database: String =
            switch location {
            case .sqlite(let path): "sqlite:\(path)"
            case .postgres(let host, let port, let user, _, let name, _): "postgres://\(user)@\(host):\(port)/\(name)"
            }
        let env = ["BAZAAR_DATABASE": database, "BAZAAR_ADMIN_PASSWORD": "seed-admin-pass", "BAZAAR_BCRYPT_COST": "4"]

        let migrate = try await LiveProcess.runToCompletion(["migrate"], environment: env)
        #expect(migrate.status == 0, "\(migrate.output)")
        #expect(migrate.output.contains("migrations applied"))

        let create = try await LiveProcess.runToCompletion(
            ["admin", "create", "--email", "ops@example.com"],
            environment: env.merging(["BAZAAR_NEW_ADMIN_PASSWORD": "ops-password-1"]) { $1 })
        #expect(create.status == 0, "\(create.output)")
        #expect(!create.output.contains("ops-password-1"))
        let again = try await LiveProcess.runToCompletion(
            ["admin", "create", "--email", "ops@example.com"],
            environment: env.merging(["BAZAAR_NEW_ADMIN_PASSWORD": "ops-password-1"]) { $1 })
        #expect(again.status != 0)

        let weak = try await LiveProcess.runToCompletion(
            ["admin", "create", "--email", "weak@example.com"], environment: env.merging(["BAZAAR_NEW_ADMIN_PASSWORD": "short"]) { $1 })
        #expect(weak.status != 0)

        let missing = try await LiveProcess.runToCompletion(["admin", "promote", "--email", "ghost@example.com"], environment: env)
        #expect(missing.status != 0)
        #expect(missing.output.contains("no user with email"))

        let rotate = try await LiveProcess.runToCompletion(["admin", "rotate-keys"], environment: env)
        #expect(rotate.status == 0, "\(rotate.output)")
        #expect(rotate.output.contains("new signing key k-"))
    }

    /// `bazaar health`, the container image's probe: 0 for a ready process, 1 with the reason otherwise.
    @Test func healthProbe() async throws {
        let path = "\(NSTemporaryDirectory())health-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let process = try LiveProcess(arguments: ["run", "--database", "sqlite:\(path)"], port: LiveProcess.freePort())
        defer { process.stop() }
        try await process.waitUntilReady()
        let ready = try await LiveProcess.runToCompletion(["health", "--port", String(process.port)])
        #expect(ready.status == 0, "\(ready.output)")
        #expect(ready.output.contains("ready"))
        process.stop()
        let down = try await LiveProcess.runToCompletion(["health", "--port", String(process.port), "--timeout", "2"])
        #expect(down.status == 1)
        #expect(down.output.contains("not ready"), "\(down.output)")
    }
}
