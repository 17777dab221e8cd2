public import SQLKit

/// Which SQL engine a `Database` runs on. Kept small on purpose: modules branch on it only where
/// the two dialects truly differ (DDL types, locking clauses).
public enum DatabaseEngine: String, Sendable, CaseIterable {
    case sqlite
    case postgres
}

/// The one query layer every module uses. `read` runs statements outside a transaction;
/// `transaction` runs them atomically and signals `changes` once the commit succeeded, so that
/// in-process consumers (event log, job queue) wake without polling.
public protocol Database: Sendable {
    var engine: DatabaseEngine { get }
    /// Fires after each committed transaction of this process that appended events or queued
    /// work (`TransactionEffects`); on PostgreSQL also when another process appended events.
    var changes: ChangeSignal { get }

    func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body` atomically. The transaction finishes (COMMIT or ROLLBACK) even if the calling
    /// task is cancelled meanwhile: NIO skips work submitted from a cancelled task, which would
    /// otherwise leave a connection inside an open transaction.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs a write that is one statement, atomic on its own: on PostgreSQL without the BEGIN
    /// and COMMIT of `transaction`, each a round trip of its own; on SQLite a write transaction
    /// like any other. Wakes in-process consumers like `transaction`. `body` must run exactly one
    /// statement: on PostgreSQL each statement it ran would commit on its own.
    func singleStatementWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// `statement` as this database will run it, made now so that a transaction later only runs
    /// it (see `SerializedStatement`).
    func serialize(_ statement: any SQLExpression) throws -> SerializedStatement
    /// A condition (with leading ` AND`) keeping rows whose `tx_id` was written by a transaction
    /// that can no longer be overtaken: on PostgreSQL, one older than every transaction still
    /// running in this database. Readers that follow `tx_id` order use it so a late commit is
    /// never skipped. Empty on SQLite (one writer). May first run a query on `db`.
    func settledTransactions(on db: any SQLDatabase) async throws -> SQLQueryString
    func shutdown() async
}

extension DatabaseEngine {
    /// Row lock for "read then update" inside a transaction. SQLite serialises writers already
    /// (one write transaction at a time), so it needs none.
    public var forUpdate: String { self == .postgres ? " FOR UPDATE" : "" }
    public var forUpdateSkipLocked: String { self == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }
    /// SQL for the id of the running transaction: what the event log orders by on PostgreSQL;
    /// SQLite has one writer, so 0 there.
    public var currentTransactionID: String { self == .postgres ? "pg_current_xact_id()::text::bigint" : "0" }

    public var autoIncrementPrimaryKey: String {
        self == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
    }
}

extension SQLQueryString {
    /// `INSERT INTO table (columns…) VALUES (…), (…)`, one row per entry of `rows`, with the
    /// table and column names written as given. For the inserts every order runs: SQLKit's
    /// builder quotes and escapes each name again on every execution, through a
    /// `String.replacing` that was 2% of an order's CPU. The names are the module's own
    /// constants, never input.
    public static func insert(into table: String, columns: [String], rows: [[any SQLExpression]]) -> SQLQueryString {
        var query = SQLQueryString("INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: columns.joined(separator: ", "))) VALUES ")
        query.appendRows(rows)
        return query
    }

    /// Appends `(…), (…)`, one parenthesized list per entry of `rows`.
    private mutating func appendRows(_ rows: [[any SQLExpression]]) {
        for (index, row) in rows.enumerated() {
            appendLiteral(index == 0 ? "(" : ", (")
            appendList(row)
            appendLiteral(")")
        }
    }

    /// Appends the values separated by commas.
    public mutating func appendList(_ values: [any SQLExpression]) {
        for (index, value) in values.enumerated() {
            if index > 0 { appendLiteral(", ") }
            appendInterpolation(value)
        }
    }

    /// Appends `(?, ?, …)` binding each value, for `IN` lists, padded to one of a few lengths
    /// (`paddedForInList`) so that the statement's text recurs.
    public mutating func appendBindList<Value: Encodable & Sendable>(_ values: [Value]) {
        appendLiteral("(")
        appendList(values.paddedForInList().map { SQLBind($0) })
        appendLiteral(")")
    }
}

/// Runs `work` in a task of its own, so the caller's cancellation cannot interrupt it halfway.
func shieldedFromCancellation<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
    try await Task { try await work() }.value
}

/// Runs `body` between `begin` and COMMIT on one connection, rolling back when it throws.
func runInTransaction<T: Sendable>(
    _ sql: any SQLDatabase, begin: SQLQueryString, _ body: @Sendable (any SQLDatabase) async throws -> T
) async throws -> T {
    try await sql.raw(begin).run()
    do {
        let value = try await body(sql)
        try await sql.raw("COMMIT").run()
        return value
    } catch {
        try? await sql.raw("ROLLBACK").run()
        throw error
    }
}
