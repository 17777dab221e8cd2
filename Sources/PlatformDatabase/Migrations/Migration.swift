public import SQLKit

/// One schema change. Migrations are applied once each, in order, in a transaction, and are
/// recorded by `module` and `version` in `schema_migrations`.
public protocol Migration: Sendable {
    var version: Int { get }
    var name: String { get }
    func apply(on database: any SQLDatabase, engine: DatabaseEngine) async throws
}

/// The migrations a module owns, in version order.
public struct ModuleMigrations: Sendable {
    public let module: String
    public let migrations: [any Migration]

    public init(module: String, migrations: [any Migration]) {
        self.module = module
        self.migrations = migrations
    }
}

/// A migration made of plain SQL statements, with per-engine variants where the dialects differ.
public struct SQLMigration: Migration {
    public let version: Int
    public let name: String
    private let statements: @Sendable (DatabaseEngine) -> [String]

    public init(version: Int, name: String, statements: @escaping @Sendable (DatabaseEngine) -> [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    public func apply(on database: any SQLDatabase, engine: DatabaseEngine) async throws {
        for statement in statements(engine) {
            try await database.raw(SQLQueryString(statement)).run()
        }
    }
}
