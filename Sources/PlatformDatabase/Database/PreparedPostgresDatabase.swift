import Logging
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// SQLKit over one PostgreSQL connection with every statement prepared once per connection:
/// the server parses and plans a statement text the first time a connection runs it, and after
/// that only binds and executes it (PostgresKit's own path sends Parse, Describe and Bind for
/// every execution, and the server plans each again).
///
/// PostgresNIO keeps each connection's prepared statements by name, for statement types whose
/// SQL is known statically; Bazaar's statements are built at run time, so the text, its name and
/// its parameter types reach `DynamicStatement` through a task-local read in the same call.
/// Statements with a bind PostgresNIO cannot encode itself (JSON-encoded values) and statements
/// past the cap of distinct texts take PostgresKit's path, unprepared.
struct PreparedPostgresDatabase: SQLDatabase {
    let connection: PostgresConnection
    let unprepared: any SQLDatabase

    init(connection: PostgresConnection) {
        self.connection = connection
        unprepared = connection.sql(queryLogLevel: nil)
    }

    var logger: Logger { connection.logger }
    var eventLoop: any EventLoop { connection.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { PostgresDialect() }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = serialize(query)
        var bindings = PostgresBindings(capacity: binds.count)
        var types: [PostgresDataType] = []
        types.reserveCapacity(binds.count)
        for bind in binds {
            if let type = Self.appendCommon(bind, to: &bindings) {
                types.append(type)
            } else if let value = bind as? any PostgresEncodable {
                try bindings.append(value, context: .default)
                types.append(type(of: value).psqlType)
            } else if let optional = bind as? any OptionalPostgresBind {
                try optional.append(to: &bindings)
                types.append(type(of: optional).wrappedType)
            } else {
                return try await unprepared.execute(sql: query, onRow)
            }
        }
        guard let text = PreparedStatementNames.shared.text(sql: sql, types: types) else {
            return try await unprepared.execute(sql: query, onRow)
        }
        do {
            try await DynamicStatement.$text.withValue(text) {
                let rows = try await connection.execute(DynamicStatement(bindings: bindings), logger: logger)
                for try await row in rows { onRow(PostgresSQLRow(row)) }
            }
        } catch let error as PSQLError where Self.leftUnusable(error) {
            // PostgresNIO keeps a failed preparation under its name for the connection's life, and
            // answers every later execution with that error: a statement run once before its table
            // existed (a migration read on a new database) would fail on that connection even
            // after the table was made. A new name makes the next execution prepare it again.
            PreparedStatementNames.shared.rename(text)
            throw error
        }
    }

    /// Whether `error` leaves the statement's prepared form unusable on this connection.
    /// Errors of SQLSTATE class 42 (syntax error or access rule violation: an unknown table,
    /// column or function, a type mismatch) come from parsing and planning, so from preparation;
    /// a missing privilege (42501) is the exception, checked by the executor. And a table altered
    /// since the statement was prepared (a column added by another process's migration) fails
    /// every execution of a `SELECT *` with "cached plan must not change result type" (0A000).
    /// Errors met while executing (constraint violations, serialization failures) leave the
    /// prepared statement as good as it was, and keep its name.
    private static func leftUnusable(_ error: PSQLError) -> Bool {
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else { return false }
        if state == "0A000" { return error.serverInfo?[.message] == "cached plan must not change result type" }
        return state.hasPrefix("42") && state != "42501"
    }

    /// Appends `bind` when it holds one of the types nearly every statement binds, and returns
    /// its parameter type; nil (nothing appended) for anything else. A cast to a concrete type
    /// compares type metadata, where `as? any PostgresEncodable` looks up a conformance. (A nil
    /// optional matches none of these and keeps its declared type on the general path.)
    private static func appendCommon(_ bind: any Encodable & Sendable, to bindings: inout PostgresBindings) -> PostgresDataType? {
        switch bind {
        case let text as String: append(text, to: &bindings)
        case let integer as Int: append(integer, to: &bindings)
        case let integer as Int64: append(integer, to: &bindings)
        case let flag as Bool: append(flag, to: &bindings)
        case let real as Double: append(real, to: &bindings)
        default: nil
        }
    }

    private static func append<Value: PostgresNonThrowingEncodable>(_ value: Value, to bindings: inout PostgresBindings) -> PostgresDataType {
        bindings.append(value)
        return Value.psqlType
    }

    func withSession<R: Sendable>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}

/// A statement built at run time, as PostgresNIO's prepared-statement API wants it: its name,
/// text and parameter types are static there, so they are read from a task-local that
/// `PreparedPostgresDatabase` binds around the call (PostgresNIO reads them synchronously, in
/// the calling task, before it sends anything).
struct DynamicStatement: PostgresPreparedStatement {
    @TaskLocal static var text = PreparedStatementNames.Text(number: -1, sql: "", types: [])
    static var name: String { text.name }
    static var sql: String { text.sql }
    static var bindingDataTypes: [PostgresDataType] { text.types }
    typealias Row = PostgresRow

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// One name per distinct statement text and parameter types, the same for every connection of
/// the process (each connection prepares a name the first time it runs it).
final class PreparedStatementNames: Sendable {
    struct Text: Sendable {
        let name: String
        let sql: String
        let types: [PostgresDataType]
        /// The statement's place among the distinct ones, and how often it was renamed.
        let number: Int
        let generation: Int

        init(number: Int, generation: Int = 0, sql: String, types: [PostgresDataType]) {
            self.number = number
            self.generation = generation
            self.name = generation == 0 ? "bazaar_\(number)" : "bazaar_\(number)_\(generation)"
            self.sql = sql
            self.types = types
        }
    }
    static let shared = PreparedStatementNames()
    /// Texts built with literals instead of binds would each take a name; past this many the
    /// rest run unprepared rather than filling every connection with statements.
    static let limit = 4_096
    /// By text, then by parameter types (nearly always one entry): keyed by the text alone, a
    /// lookup hashes the statement as it is, where a key joining text and types was a new
    /// string of the whole statement, built for every execution.
    private let names = Mutex<(byText: [String: [Text]], count: Int)>(([:], 0))

    func text(sql: String, types: [PostgresDataType]) -> Text? {
        names.withLock { names in
            if let known = names.byText[sql]?.first(where: { $0.types == types }) { return known }
            guard names.count < Self.limit else { return nil }
            let text = Text(number: names.count, sql: sql, types: types)
            names.byText[sql, default: []].append(text)
            names.count += 1
            return text
        }
    }

    /// Gives `text` a name no connection has prepared yet (the same name with the next
    /// generation: `bazaar_7` → `bazaar_7_1` → `bazaar_7_2`), without counting towards `limit`.
    /// Only the current name is renamed: the other connections that fail on the old name after
    /// one schema change take the new one rather than each renaming it again. A statement that
    /// keeps failing (its table dropped) stops being renamed after `maximumGeneration`, since each
    /// failed name stays in its connection's table of prepared statements (1,024 names of a
    /// few hundred bytes each, per connection, at worst). The names are shared by every database
    /// the process uses, and the test suite makes a few hundred: when the migrations read still
    /// failed once on each new one, a bound of 64 was reached mid-suite, and from there each new
    /// database's first connection kept that read failed.
    func rename(_ text: Text) {
        names.withLock { names in
            guard text.generation < Self.maximumGeneration,
                let index = names.byText[text.sql]?.firstIndex(where: { $0.name == text.name })
            else { return }
            names.byText[text.sql]?[index] = Text(number: text.number, generation: text.generation + 1, sql: text.sql, types: text.types)
        }
    }

    static let maximumGeneration = 1_024
}

/// An optional bind (`SQLBind(user.phone)`): NULL or its value, with the wrapped type declared
/// either way so that every execution of a statement has the same parameter types.
protocol OptionalPostgresBind {
    static var wrappedType: PostgresDataType { get }
    func append(to bindings: inout PostgresBindings) throws
}

extension Optional: OptionalPostgresBind where Wrapped: PostgresEncodable {
    static var wrappedType: PostgresDataType { Wrapped.psqlType }

    func append(to bindings: inout PostgresBindings) throws {
        switch self {
        case .none: bindings.appendNull()
        case .some(let value): try bindings.append(value, context: .default)
        }
    }
}
