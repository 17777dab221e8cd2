public import Foundation
import PlatformCore
import PlatformDatabase
import PlatformHTTP
public import SQLKit

/// The transactional outbox. `append` must be called with the transaction that makes the state
/// change, so the event exists exactly when the change does.
public struct EventLog: Sendable {
    /// What every read returns (`EventEnvelope.init(row:)`).
    static let columns = ["id", "tx_id", "event_id", "type", "version", "payload", "occurred_at", "aggregate_id", "request_id"]

    public let database: any Database
    public let clock: any WallClock

    public init(database: any Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
    }

    @discardableResult
    public func append<Event: DomainEvent>(_ event: Event, on db: any SQLDatabase) async throws -> String {
        try await append(contentsOf: [event], on: db)[0]
    }

    /// Appends events of one type in order, one INSERT per 500 (a campaign page writes 500
    /// notifications, and each is an event); returns their ids.
    @discardableResult
    public func append<Event: DomainEvent>(contentsOf events: [Event], on db: any SQLDatabase) async throws -> [String] {
        let encoded = try events.map(EncodedEvent.init)
        try await append(encoded, on: db)
        return encoded.map(\.id)
    }

    private static let insertColumns = ["event_id", "type", "version", "payload", "occurred_at", "tx_id", "aggregate_id", "request_id"]

    /// Appends events encoded before the transaction began, in order.
    public func append(_ events: [EncodedEvent], on db: any SQLDatabase) async throws {
        try await append(try prepareAppend(events), on: db)
    }

    /// Events whose INSERTs are serialized before the transaction that appends them
    /// (`Database.serialize`), which then only runs them: `append(_:on:)`.
    public struct PreparedAppend: Sendable {
        fileprivate let statements: [SerializedStatement]
        fileprivate let events: [EncodedEvent]
    }

    public func prepareAppend(_ events: [EncodedEvent]) throws -> PreparedAppend {
        PreparedAppend(statements: try inserts(of: events).map(database.serialize), events: events)
    }

    public func append(_ prepared: PreparedAppend, on db: any SQLDatabase) async throws {
        for statement in prepared.statements {
            try await statement.run(on: db)
        }
        // Consumers here wake after the commit; on PostgreSQL the backend announces the commit to other processes.
        if !prepared.events.isEmpty { TransactionEffects.eventsAppended(types: prepared.events.map(\.type)) }
    }

    /// INSERTs of at most 500 events (`DatabaseEngine.inserts`), in order.
    private func inserts(of events: [EncodedEvent]) -> [SQLQueryString] {
        let occurredAt = clock.now().millisecondsSince1970
        return database.engine.inserts(into: "event_log", columns: Self.insertColumns, rows: events.map { row(of: $0, at: occurredAt) }, atMost: 500)
    }

    /// `INSERT INTO event_log … SELECT … FROM source`: appends `event` only if `source`, a
    /// query the caller's statement names (a CTE of it), has a row. For a write that is one
    /// statement (`Database.singleStatementWrite`); to be run inside its body, which it tells
    /// that the event was appended if the statement succeeds.
    public func append(_ event: EncodedEvent, ifAnyRowIn source: String) -> SQLQueryString {
        var query = SQLQueryString("INSERT INTO event_log (\(unsafeRaw: Self.insertColumns.joined(separator: ", "))) SELECT ")
        query.appendList(row(of: event, at: clock.now().millisecondsSince1970))
        query.appendLiteral(" FROM " + source)
        TransactionEffects.eventsAppended(types: [event.type])
        return query
    }

    private func row(of event: EncodedEvent, at occurredAt: Int64) -> [any SQLExpression] {
        [
            SQLBind(event.id), SQLBind(event.type), SQLBind(event.version), SQLBind(event.payload), SQLBind(occurredAt),
            SQLRaw(database.engine.currentTransactionID), SQLBind(event.aggregateID), SQLBind(RequestTrace.requestID),
        ]
    }

    /// Events after `position`, oldest first, limited to `types` when given. On PostgreSQL only
    /// events of transactions that can no longer be overtaken are returned.
    public func read(
        after position: EventPosition, types: [String]? = nil, since: Date? = nil, limit: Int = 200
    ) async throws -> [EventEnvelope] {
        try await database.read { db in
            let settled = try await database.settledTransactions(on: db)
            return try await Self.read(
                on: db, engine: database.engine, settled: settled, after: position, types: types, since: since, limit: limit)
        }
    }

    static func read(
        on db: any SQLDatabase, engine: DatabaseEngine, settled: SQLQueryString, after position: EventPosition, types: [String]?,
        since: Date?, limit: Int
    ) async throws -> [EventEnvelope] {
        let limit = String(max(1, min(limit, 1000)))
        // With types, one index range per type (each at most `limit` rows), merged: a consumer of
        // rare types would otherwise walk every event since its last match on each poll.
        let arms = types.flatMap { $0.isEmpty ? nil : $0.map(Optional.some) } ?? [nil]
        var query = SQLQueryString("")
        for (index, type) in arms.enumerated() {
            if arms.count > 1 { query.appendLiteral(index == 0 ? "SELECT * FROM (" : " UNION ALL SELECT * FROM (") }
            query.appendLiteral("SELECT \(columns.joined(separator: ", ")) FROM event_log WHERE ")
            appendAfter(position, ofType: type, engine: engine, settled: settled, to: &query)
            if let since {
                query.appendLiteral(" AND occurred_at >= ")
                query.appendInterpolation(bind: since.millisecondsSince1970)
            }
            query.appendLiteral(" ORDER BY tx_id, id LIMIT " + limit)
            if arms.count > 1 { query.appendLiteral(") AS arm\(index)") }
        }
        if arms.count > 1 { query.appendLiteral(" ORDER BY tx_id, id LIMIT " + limit) }
        return try await db.raw(query).all().map(EventEnvelope.init(row:))
    }

    /// "After `position`" (of `type`, when given), written so each engine seeks its index there:
    /// SQLite has one writer and tx_id 0 throughout; PostgreSQL compares row values in the index,
    /// and reads only transactions that can no longer be overtaken.
    ///
    /// With a type, PostgreSQL also gets `tx_id >= …`: a plain bound on the second column of the
    /// `(type, tx_id, id)` index, where it starts the scan. With the row comparison alone the
    /// planner walked the `(tx_id, id)` index instead and filtered by type (prepared statements
    /// run generic plans), reading every event since the position: about 1,000 buffers a read
    /// under the order load, against 3 when nothing is new. (Starting the row comparison at the
    /// type was worse: the scan then began at the first event of the type.)
    /// `settled` is `Database.settledTransactions`; without it, PostgreSQL events of transactions
    /// that committed but may still be overtaken count too (what a lag count wants: they are
    /// waiting too).
    static func appendAfter(
        _ position: EventPosition, ofType type: String? = nil, engine: DatabaseEngine, settled: SQLQueryString? = nil,
        to query: inout SQLQueryString
    ) {
        if let type {
            query.appendLiteral("type = ")
            query.appendInterpolation(bind: type)
            query.appendLiteral(" AND ")
        }
        switch engine {
        case .sqlite:
            query.appendLiteral("tx_id = 0 AND id > ")
            query.appendInterpolation(bind: position.sequence)
        case .postgres:
            if type != nil {
                query.appendLiteral("tx_id >= ")
                query.appendInterpolation(bind: position.transaction)
                query.appendLiteral(" AND ")
            }
            query.appendLiteral("(tx_id, id) > (")
            query.appendInterpolation(bind: position.transaction)
            query.appendLiteral(", ")
            query.appendInterpolation(bind: position.sequence)
            query.appendLiteral(")")
        }
        if let settled { query += settled }
    }

    /// How many events are committed after `position` (of any type), and when the oldest of
    /// them happened: how far behind a reader of the whole log is.
    public func waiting(after position: EventPosition) async throws -> (count: Int, oldest: Date?) {
        try await database.read { [engine = database.engine] db in
            var query = SQLQueryString("SELECT COUNT(*) AS n, MIN(occurred_at) AS oldest FROM event_log WHERE ")
            Self.appendAfter(position, engine: engine, to: &query)
            let row = try await db.raw(query).first()
            let count = try row?.decode(column: "n", as: Int.self) ?? 0
            let oldest = try row?.decode(column: "oldest", as: Int64?.self).map(Date.init(millisecondsSince1970:))
            return (count, oldest)
        }
    }

    /// The position of the newest event a reader can see now: a follower that only cares about
    /// what happens from here on starts after it.
    public func head() async throws -> EventPosition {
        try await database.read { db in
            let settled = try await database.settledTransactions(on: db)
            let row = try await db.raw("SELECT tx_id, id FROM event_log WHERE 1 = 1\(settled) ORDER BY tx_id DESC, id DESC LIMIT 1").first()
            guard let row else { return .start }
            return EventPosition(
                transaction: try row.decode(column: "tx_id", as: Int64.self), sequence: try row.decode(column: "id", as: Int64.self))
        }
    }

    /// The newest committed events of `types`, newest first, without waiting for the settled
    /// horizon `read` keeps to: for lookups that need what exists now (a signing key just
    /// published), not a position to follow from.
    public func committed(types: [String], limit: Int = 1000) async throws -> [EventEnvelope] {
        try await database.read { db in
            try await db.select().columns(Self.columns).from("event_log")
                .where("type", .in, types).orderBy("tx_id", .descending).orderBy("id", .descending).limit(limit).all()
                .map(EventEnvelope.init(row:))
        }
    }

    /// The newest events, newest first, for the admin view.
    public func recent(type: String?, limit: Int) async throws -> [EventEnvelope] {
        try await database.read { db in
            var select = db.select().columns(Self.columns).from("event_log")
            if let type { select = select.where("type", .equal, type) }
            return try await select.orderBy("tx_id", .descending).orderBy("id", .descending).limit(limit).all()
                .map(EventEnvelope.init(row:))
        }
    }
}

extension EventEnvelope {
    init(row: any SQLRow) throws {
        self.init(
            position: EventPosition(
                transaction: try row.decode(column: "tx_id", as: Int64.self), sequence: try row.decode(column: "id", as: Int64.self)),
            id: try row.decode(column: "event_id", as: String.self),
            type: try row.decode(column: "type", as: String.self),
            version: try row.decode(column: "version", as: Int.self),
            payload: try row.decode(column: "payload", as: String.self),
            occurredAt: Date(millisecondsSince1970: try row.decode(column: "occurred_at", as: Int64.self)),
            aggregateID: try row.decode(column: "aggregate_id", as: String?.self),
            requestID: try row.decode(column: "request_id", as: String?.self))
    }
}
