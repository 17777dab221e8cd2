@testable import PlatformDatabase
@testable import PlatformEvents
import SQLKit
import Testing
import TestSupport

/// On PostgreSQL the event log hands out an event only once no older write transaction that
/// could still commit "behind" it is open. Those are transactions of this database; one open in
/// another database of the cluster holds nothing back (it held back every consumer once).
@Suite("PostgreSQL's settled horizon")
struct SettledHorizonTests {
    @Test func aTransactionOpenInAnotherDatabaseHoldsNothingBack() async throws {
        try await withPlatform(.postgres) { platform in
            try await withFreshDatabase(.postgres, poolSize: 1) { elsewhere, _ in
                try await whileOpen(on: elsewhere, writing: { db in try await db.raw("SELECT pg_current_xact_id()").run() }) {
                    try await platform.database.transaction { db in _ = try await platform.events.append(Ping(number: 1), on: db) }
                    // Every wait of this test happens with the other transaction open.
                    let read = try await poll("the event, with another database's transaction open", timeout: .seconds(20)) {
                        let events = try await platform.events.read(after: .start)
                        return events.isEmpty ? nil : events
                    }
                    #expect(read.map(\.aggregateID) == ["ping-1"])
                }
            }
        }
    }

    /// With a transaction open in another database too, so that the horizon is the one that
    /// leaves transactions elsewhere out.
    @Test func anOlderTransactionOpenHereHoldsLaterOnesBack() async throws {
        try await withPlatform(.postgres) { platform in
            try await withFreshDatabase(.postgres, poolSize: 1) { elsewhere, _ in
                try await whileOpen(on: elsewhere, writing: { db in try await db.raw("SELECT pg_current_xact_id()").run() }) {
                    try await whileOpen(on: platform.database, writing: { db in _ = try await platform.events.append(Ping(number: 1), on: db) }) {
                        try await platform.database.transaction { db in _ = try await platform.events.append(Ping(number: 2), on: db) }
                        // Ping 2 is committed, but ping 1's transaction is older and may still commit.
                        #expect(try await platform.events.read(after: .start).isEmpty)
                    }
                    let read = try await poll("both events once the older transaction committed", timeout: .seconds(20)) {
                        let events = try await platform.events.read(after: .start)
                        return events.count == 2 ? events : nil
                    }
                    #expect(read.map(\.aggregateID) == ["ping-1", "ping-2"], "in the order of their transactions")
                }
            }
        }
    }

    /// `pg_stat_activity` costs too much to read with every read of the log.
    @Test func otherDatabasesAreLookedAtOncePerInterval() async throws {
        try await withFreshDatabase(.postgres, poolSize: 1) { database, _ in
            let elsewhere = TransactionsElsewhere(interval: .seconds(3600))
            let counter = StatementCounter()
            try await StatementCounter.$current.withValue(counter) {
                try await database.read { db in
                    for _ in 0..<5 { _ = try await elsewhere.settledTransactions(on: db) }
                }
            }
            #expect(counter.statements == 1, "one look, by the first read")
        }
    }

    /// Runs `body` while a transaction that ran `writing` (which gives it a transaction id) stays
    /// open on `database`; it commits after `body`.
    private func whileOpen(
        on database: any Database, writing: @escaping @Sendable (any SQLDatabase) async throws -> Void,
        _ body: @Sendable () async throws -> Void
    ) async throws {
        let (opened, open) = AsyncStream<Void>.makeStream()
        let (released, release) = AsyncStream<Void>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { open.finish() }  // so that a failed `writing` cannot leave us waiting
                try await database.transaction { db in
                    try await writing(db)
                    open.yield()
                    for await _ in released {}
                }
            }
            for await _ in opened { break }
            do {
                try await body()
            } catch {
                release.finish()
                throw error
            }
            release.finish()
            try await group.waitForAll()
        }
    }
}
