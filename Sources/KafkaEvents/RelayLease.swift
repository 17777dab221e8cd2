import Foundation
import PlatformCore
import PlatformDatabase
import PlatformEvents
import SQLKit

/// The relay's row in `event_relays`: the last event Kafka confirmed, and a lease so that one
/// process publishes at a time when several are given brokers (another takes over when the
/// holder stops renewing it).
struct RelayLease: Sendable {
    let name: String
    let owner: String
    let database: any Database
    let clock: any WallClock
    let duration: Duration

    /// Takes or renews the lease; the position to publish after when held, nil when another
    /// process holds it.
    func claim() async throws -> EventPosition? {
        let now = clock.now().millisecondsSince1970
        let until = now + duration.components.seconds * 1000
        return try await database.transaction { [name, owner] db in
            try await db.raw(
                "INSERT INTO event_relays (name, tx_id, seq, owner, lease_until) VALUES (\(bind: name), 0, 0, NULL, 0) ON CONFLICT (name) DO NOTHING"
            ).run()
            let row = try await db.raw(
                """
                UPDATE event_relays SET owner = \(bind: owner), lease_until = \(bind: until)
                WHERE name = \(bind: name) AND (owner = \(bind: owner) OR owner IS NULL OR lease_until < \(bind: now))
                RETURNING tx_id, seq
                """
            ).first()
            guard let row else { return nil }
            return EventPosition(
                transaction: try row.decode(column: "tx_id", as: Int64.self), sequence: try row.decode(column: "seq", as: Int64.self))
        }
    }

    /// Moves the position on, only while this process holds the lease.
    func advance(to position: EventPosition) async throws {
        try await database.transaction { [name, owner] db in
            try await db.update("event_relays").set("tx_id", to: position.transaction).set("seq", to: position.sequence)
                .where("name", .equal, name).where("owner", .equal, owner).run()
        }
    }

    /// The stored position, whoever holds the lease (for the lag figures).
    func position() async throws -> EventPosition {
        try await database.read { [name] db in
            guard let row = try await db.select().columns("tx_id", "seq").from("event_relays").where("name", .equal, name).first() else {
                return .start
            }
            return EventPosition(
                transaction: try row.decode(column: "tx_id", as: Int64.self), sequence: try row.decode(column: "seq", as: Int64.self))
        }
    }

    /// Lets another process take over at once (on a clean shutdown).
    func release() async throws {
        try await database.transaction { [name, owner] db in
            try await db.update("event_relays").set("owner", to: SQLLiteral.null).set("lease_until", to: 0)
                .where("name", .equal, name).where("owner", .equal, owner).run()
        }
    }
}
