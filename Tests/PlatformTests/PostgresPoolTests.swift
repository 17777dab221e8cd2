import PlatformDatabase
import SQLKit
import Testing
import TestSupport

/// A process's PostgreSQL pool is of fixed size: it opens `poolSize` connections and keeps them,
/// so that no idle-timeout timer is started and cancelled around every lease (see `open`).
@Suite("PostgreSQL connection pool")
struct PostgresPoolTests {
    @Test func thePoolOpensAllItsConnectionsWithoutLoad() async throws {
        try await withFreshDatabase(.postgres, poolSize: 5) { database, _ in
            // One query leases one connection; the pool opens the other four by itself.
            let open = try await poll("the pool to open its five connections") { () -> Int? in
                let count = try await database.read { db in
                    try await db.raw("SELECT count(*) AS open FROM pg_stat_activity WHERE datname = current_database()")
                        .first()?.decode(column: "open", as: Int.self)
                }
                return (count ?? 0) >= 5 ? count : nil
            }
            #expect(open == 5, "no more than the pool's size")
        }
    }
}
