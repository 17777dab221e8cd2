public import Foundation
import PlatformCore
import PlatformDatabase
import SQLKit

/// Events (and jobs) that failed too often, kept for an admin to inspect and replay.
public struct DeadLetter: Sendable, Encodable {
    public let id: Int64
    public let source: String
    public let consumer: String
    public let eventID: String
    public let eventType: String
    public let payload: String
    public let error: String
    public let attempts: Int
    public let failedAt: Date

    var event: EventEnvelope {
        EventEnvelope(position: .start, id: eventID, type: eventType, version: 1, payload: payload, occurredAt: failedAt)
    }
}

public struct DeadLetterStore: Sendable {
    let database: any Database
    let clock: any WallClock

    public init(database: any Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
    }

    /// Parks the event and, when it came from the log, moves the consumer past it, in one
    /// transaction. An event a transport delivered has no position: the transport leaves it out
    /// once acknowledged.
    func park(consumer: String, event: EventEnvelope, error: String, attempts: Int, fromLog: Bool) async throws {
        let engine = database.engine
        let now = clock.now().millisecondsSince1970
        try await database.transaction { db in
            if fromLog {
                let current = try await ConsumerPositions.lock(consumer, on: db, engine: engine)
                guard current < event.position else { return }
            }
            try await Self.insert(
                source: "event", consumer: consumer, reference: event.id, type: event.type, payload: event.payload, error: error,
                attempts: attempts, at: now, on: db)
            if fromLog { try await ConsumerPositions.advance(consumer, to: event.position, on: db) }
        }
    }

    static func insert(
        source: String, consumer: String, reference: String, type: String, payload: String, error: String, attempts: Int, at now: Int64,
        on db: any SQLDatabase
    ) async throws {
        try await db.insert(into: "dead_letters")
            .columns("source", "consumer", "event_id", "event_type", "payload", "error", "attempts", "failed_at")
            .values(
                SQLBind(source), SQLBind(consumer), SQLBind(reference), SQLBind(type), SQLBind(payload),
                SQLBind(String(error.prefix(2000))), SQLBind(attempts), SQLBind(now)
            )
            .run()
    }

    public func list(limit: Int) async throws -> [DeadLetter] {
        try await database.read { db in
            try await db.select().column("*").from("dead_letters").orderBy("id", .descending).limit(limit).all().map(DeadLetter.init(row:))
        }
    }

    public func count() async throws -> Int {
        try await database.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM dead_letters").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    package func find(id: Int64) async throws -> DeadLetter? {
        try await database.read { db in
            try await db.select().column("*").from("dead_letters").where("id", .equal, id).first().map(DeadLetter.init(row:))
        }
    }

    static func delete(id: Int64, on db: any SQLDatabase) async throws {
        try await db.delete(from: "dead_letters").where("id", .equal, id).run()
    }

    func recordFailedReplay(id: Int64, error: String) async throws {
        try await database.transaction { db in
            try await db.raw(
                "UPDATE dead_letters SET attempts = attempts + 1, error = \(bind: String(error.prefix(2000))) WHERE id = \(bind: id)"
            ).run()
        }
    }
}

extension DeadLetter {
    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: Int64.self)
        source = try row.decode(column: "source", as: String.self)
        consumer = try row.decode(column: "consumer", as: String.self)
        eventID = try row.decode(column: "event_id", as: String.self)
        eventType = try row.decode(column: "event_type", as: String.self)
        payload = try row.decode(column: "payload", as: String.self)
        error = try row.decode(column: "error", as: String.self)
        attempts = try row.decode(column: "attempts", as: Int.self)
        failedAt = Date(millisecondsSince1970: try row.decode(column: "failed_at", as: Int64.self))
    }
}
