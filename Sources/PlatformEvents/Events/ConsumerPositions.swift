import Foundation
import PlatformDatabase
import SQLKit

/// Per-consumer stored positions and applied event ids.
enum ConsumerPositions {
    static func position(of consumer: String, database: any Database) async throws -> EventPosition {
        try await database.read { db in
            let row = try await db.raw("SELECT tx_id, seq FROM event_consumers WHERE name = \(bind: consumer)").first()
            guard let row else { return .start }
            return EventPosition(
                transaction: try row.decode(column: "tx_id", as: Int64.self), sequence: try row.decode(column: "seq", as: Int64.self))
        }
    }

    /// Locks the consumer's row for the rest of the transaction, creating it the first time (a
    /// statement more, once per consumer and database, instead of on every batch).
    static func lock(_ consumer: String, on db: any SQLDatabase, engine: DatabaseEngine) async throws -> EventPosition {
        let select = SQLQueryString("SELECT tx_id, seq FROM event_consumers WHERE name = \(bind: consumer)\(unsafeRaw: engine.forUpdate)")
        var row = try await db.raw(select).first()
        if row == nil {
            try await db.raw("INSERT INTO event_consumers (name, tx_id, seq) VALUES (\(bind: consumer), 0, 0) ON CONFLICT (name) DO NOTHING")
                .run()
            row = try await db.raw(select).first()
        }
        guard let row else { return .start }
        return EventPosition(
            transaction: try row.decode(column: "tx_id", as: Int64.self), sequence: try row.decode(column: "seq", as: Int64.self))
    }

    static func advance(_ consumer: String, to position: EventPosition, on db: any SQLDatabase) async throws {
        try await db.raw(advancing(consumer, to: position)).run()
    }

    private static func advancing(_ consumer: String, to position: EventPosition) -> SQLQueryString {
        "UPDATE event_consumers SET tx_id = \(bind: position.transaction), seq = \(bind: position.sequence) WHERE name = \(bind: consumer)"
    }

    /// Records that `consumer` applied `eventID`; false when it already had.
    static func markProcessed(consumer: String, eventID: String, on db: any SQLDatabase, engine: DatabaseEngine) async throws -> Bool {
        try await markProcessed(consumer: consumer, eventIDs: [eventID], on: db, engine: engine).contains(eventID)
    }

    /// Moves the consumer's position to the end of a batch it locked, recording the batch's ids
    /// when `recording`; returns the ids not recorded before (all of them when not recording:
    /// the locked position already kept out what was applied). On PostgreSQL that is one
    /// statement, a round trip fewer; SQLite's `WITH` takes no `UPDATE`, and a statement there
    /// costs no round trip.
    static func markProcessed(
        consumer: String, eventIDs: [String], advancingTo position: EventPosition, recording: Bool,
        on db: any SQLDatabase, engine: DatabaseEngine
    ) async throws -> Set<String> {
        let advance = advancing(consumer, to: position)
        switch (engine, recording) {
        case (_, false):
            try await db.raw(advance).run()
            return Set(eventIDs)
        case (.postgres, true):
            return try await markProcessed(consumer: consumer, eventIDs: eventIDs[...], after: "WITH advanced AS (\(advance)) ", on: db)
        case (.sqlite, true):
            try await db.raw(advance).run()
            return try await markProcessed(consumer: consumer, eventIDs: eventIDs, on: db, engine: engine)
        }
    }

    /// Moves the consumer's position from `expected` to `position`, if it is still at `expected`,
    /// recording the batch's ids when `recording`; returns the ids not recorded before (all of
    /// them when not recording), or nil, with nothing written, when the position was elsewhere
    /// (another instance of the consumer moved it or holds it, or the consumer has no row yet).
    /// The `UPDATE` takes the row lock that `lock` would, and under READ COMMITTED one that
    /// waited on another instance sees the position that instance committed, so it matches no
    /// row. This saves locking the row first: on PostgreSQL one statement where there were two
    /// round trips in every batch of every consumer, on SQLite a statement less in the one writer.
    ///
    /// The moved position alone keeps a batch from applying twice; the ids are for a consumer
    /// group on Kafka that may later be given the same events (`appliedWhileFollowingTheLog`).
    static func markProcessed(
        consumer: String, eventIDs: [String], advancingFrom expected: EventPosition, to position: EventPosition,
        recording: Bool, on db: any SQLDatabase, engine: DatabaseEngine
    ) async throws -> Set<String>? {
        var update = advancing(consumer, to: position)
        update.appendLiteral(" AND tx_id = ")
        update.appendInterpolation(bind: expected.transaction)
        update.appendLiteral(" AND seq = ")
        update.appendInterpolation(bind: expected.sequence)
        update.appendLiteral(" RETURNING name")
        switch (engine, recording) {
        case (_, false):
            guard try await db.raw(update).first() != nil else { return nil }
            return Set(eventIDs)
        case (.postgres, true):
            // The ids go in only beside the moved row; the row of `advanced` itself comes back as
            // a NULL id, so that "moved, all ids known already" is told from "not moved".
            var query: SQLQueryString = "WITH advanced AS ("
            query += update
            query.appendLiteral("), recorded AS (INSERT INTO processed_events (consumer, event_id) SELECT advanced.name, batch.id FROM advanced, (VALUES ")
            for (index, id) in eventIDs.enumerated() {
                query.appendLiteral(index == 0 ? "(" : ", (")
                query.appendInterpolation(bind: id)
                query.appendLiteral(")")
            }
            query.appendLiteral(") AS batch (id) ON CONFLICT DO NOTHING RETURNING event_id)")
            query.appendLiteral(" SELECT event_id FROM recorded UNION ALL SELECT NULL FROM advanced")
            let ids = try await db.raw(query).all().map { try $0.decode(column: "event_id", as: String?.self) }
            guard ids.contains(nil) else { return nil }
            return Set(ids.compactMap { $0 })
        case (.sqlite, true):
            guard try await db.raw(update).first() != nil else { return nil }
            return try await markProcessed(consumer: consumer, eventIDs: eventIDs, on: db, engine: engine)
        }
    }

    /// Of `eventIDs`, those at or before the consumer's stored position in this database's log:
    /// applied (or parked) while it followed the log, which records no ids unless told to. A
    /// consumer group on Kafka starts from the earliest offset, so a consumer moved there is given
    /// them all again. Ids of events not in this log are never among them.
    static func appliedWhileFollowingTheLog(consumer: String, eventIDs: [String], on db: any SQLDatabase) async throws -> Set<String> {
        guard !eventIDs.isEmpty else { return [] }
        var query = SQLQueryString(
            "SELECT e.event_id FROM event_log e JOIN event_consumers c ON c.name = \(bind: consumer) WHERE (e.tx_id, e.id) <= (c.tx_id, c.seq) AND e.event_id IN ")
        query.appendBindList(eventIDs)
        return Set(try await db.raw(query).all().map { try $0.decode(column: "event_id", as: String.self) })
    }

    /// Records a batch, in one statement on PostgreSQL (`DatabaseEngine.statementRuns`);
    /// returns the ids that were not recorded before.
    static func markProcessed(
        consumer: String, eventIDs: [String], on db: any SQLDatabase, engine: DatabaseEngine
    ) async throws -> Set<String> {
        var fresh = Set<String>()
        for run in engine.statementRuns(of: eventIDs.count) {
            fresh.formUnion(try await markProcessed(consumer: consumer, eventIDs: eventIDs[run], on: db))
        }
        return fresh
    }

    /// Records a batch in one statement, after `prefix` (a `WITH` on PostgreSQL); returns the
    /// ids that were not recorded before.
    private static func markProcessed(
        consumer: String, eventIDs: ArraySlice<String>, after prefix: SQLQueryString = "", on db: any SQLDatabase
    ) async throws -> Set<String> {
        guard !eventIDs.isEmpty else { return [] }
        var query = prefix
        query.appendLiteral("INSERT INTO processed_events (consumer, event_id) VALUES ")
        for (index, id) in eventIDs.enumerated() {
            query.appendLiteral(index == 0 ? "(" : ", (")
            query.appendInterpolation(bind: consumer)
            query.appendLiteral(", ")
            query.appendInterpolation(bind: id)
            query.appendLiteral(")")
        }
        query.appendLiteral(" ON CONFLICT DO NOTHING RETURNING event_id")
        return Set(try await db.raw(query).all().map { try $0.decode(column: "event_id", as: String.self) })
    }
}
