import Logging
import NIOCore
import NIOPosix
import SQLiteKit
import SQLKit

/// SQLKit's view of one `SQLiteHandle`: builders and raw queries serialize with SQLite's dialect,
/// binds and columns convert through `SQLiteValues`, and the statement runs on the calling
/// thread. Valid only while its owner lends the handle to the current task.
struct SQLiteHandleDatabase: SQLDatabase {
    let handle: SQLiteHandle
    let logger: Logger

    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        do {
            try run(query, onRow)
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        // Comparing the type first spares the other statements a dynamic cast.
        if type(of: query) == SerializedStatement.self, let serialized = query as? SerializedStatement,
            case .sqlite(let sql, let binds) = serialized.form
        {
            return try handle.execute(sql, binds: binds) { onRow($0) }
        }
        let (sql, binds) = serialize(query)
        try handle.execute(sql, binds: binds.map(SQLiteValues.data)) { onRow($0) }
    }
}

/// One row as SQLite returned it. Column names are shared by every row of a statement.
struct SQLiteRowValues: SQLRow {
    final class Columns: Sendable {
        let names: [String]
        init(names: [String]) { self.names = names }
    }

    let columns: Columns
    let values: [SQLiteData]

    struct MissingColumn: Error, CustomStringConvertible {
        let column: String
        var description: String { "no column \(column) in the row" }
    }

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.names.contains(column) }

    func decodeNil(column: String) throws -> Bool {
        guard let index = columns.names.firstIndex(of: column) else { return true }
        return values[index] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let index = columns.names.firstIndex(of: column) else { throw MissingColumn(column: column) }
        return try SQLiteValues.value(values[index], as: D.self)
    }
}
