public import SQLKit
import SQLiteNIO
import Synchronization

/// A statement made into SQL text and binds before the transaction that runs it
/// (`Database.serialize`). SQLite runs one write transaction at a time, and serializing a
/// statement and converting its binds there took about as long as SQLite took to run it; made
/// beforehand, that work runs beside the writer instead of holding it. PostgreSQL runs its
/// transactions side by side, so there it serializes as any statement does, when it runs.
///
/// Run it on its own with `run(on:)` or `returnsRow(on:)`, never inside another expression.
public struct SerializedStatement: SQLExpression {
    enum Form {
        case sqlite(sql: String, binds: [SQLiteData])
        case whenRun(any SQLExpression)
    }

    let form: Form

    public func serialize(to serializer: inout SQLSerializer) {
        switch form {
        case .whenRun(let statement):
            statement.serialize(to: &serializer)
        case .sqlite(let sql, let binds):
            // Only reached when a database other than SQLite's own connection runs it.
            serializer.write(sql)
            serializer.binds += binds
        }
    }

    public func run(on db: any SQLDatabase) async throws {
        try await db.execute(sql: self) { _ in }
    }

    /// Runs it; true when it returned a row (an `INSERT … ON CONFLICT DO NOTHING RETURNING …` that inserted).
    public func returnsRow(on db: any SQLDatabase) async throws -> Bool {
        let rows = RowCount()
        try await db.execute(sql: self) { _ in rows.count.add(1, ordering: .relaxed) }
        return rows.count.load(ordering: .relaxed) > 0
    }

    private final class RowCount: Sendable {
        let count = Atomic<Int>(0)
    }
}
