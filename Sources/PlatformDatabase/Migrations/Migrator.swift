import Logging
import PlatformCore
import SQLKit

/// Applies pending migrations of the given modules. Each migration runs in its own transaction
/// with its bookkeeping row, so a failure leaves the database as it was before that migration
/// (PostgreSQL and SQLite both have transactional DDL) and stops start-up.
public struct Migrator: Sendable {
    public let database: any Database
    public let logger: Logger

    public init(database: any Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public struct MigrationFailed: Error, CustomStringConvertible {
        public let module: String
        public let version: Int
        public let underlying: String
        public var description: String { "migration \(module) v\(version) failed: \(underlying)" }
    }

    public func migrate(_ modules: [ModuleMigrations]) async throws {
        // Every start but the first after an upgrade finds each migration recorded: two queries,
        // rather than a locked transaction per migration (four round trips each on PostgreSQL,
        // about 80 for the 19 migrations of all modules). A migration once recorded stays
        // recorded, so what this read finds needs no lock; what it does not find is checked again
        // under the lock below.
        let recorded = try await recordedMigrations()
        let pending = modules.map { module in
            (module: module.module, migrations: module.migrations.filter { !recorded.contains(Self.key(module.module, $0.version)) })
        }
        guard pending.contains(where: { !$0.migrations.isEmpty }) else { return }
        let engine = database.engine
        try await database.transaction { db in
            // IF NOT EXISTS does not stop two processes creating the table at once on PostgreSQL
            // (the loser fails on pg_type's unique index); the lock does.
            try await Self.serialize(db, engine: engine)
            try await db.raw(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    module TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    applied_at BIGINT NOT NULL,
                    PRIMARY KEY (module, version)
                )
                """
            ).run()
        }
        for module in pending {
            for migration in module.migrations.sorted(by: { $0.version < $1.version }) {
                let applied = try await database.transaction { db -> Bool in
                    // Two processes may start at once; the second waits, then sees the migration applied.
                    try await Self.serialize(db, engine: engine)
                    let existing = try await db.select().column("version").from("schema_migrations")
                        .where("module", .equal, module.module).where("version", .equal, migration.version)
                        .first()
                    if existing != nil { return false }
                    do {
                        try await migration.apply(on: db, engine: engine)
                    } catch {
                        throw MigrationFailed(module: module.module, version: migration.version, underlying: String(reflecting: error))
                    }
                    try await db.insert(into: "schema_migrations")
                        .columns("module", "version", "name", "applied_at")
                        .values(
                            SQLBind(module.module), SQLBind(migration.version), SQLBind(migration.name),
                            SQLBind(Date().millisecondsSince1970)
                        )
                        .run()
                    return true
                }
                if applied {
                    logger.info(
                        "applied migration",
                        metadata: ["module": "\(module.module)", "version": "\(migration.version)", "name": "\(migration.name)"])
                }
            }
        }
    }

    /// On PostgreSQL, holds the migrations' advisory lock until the transaction ends (SQLite
    /// transactions already exclude each other).
    private static func serialize(_ db: any SQLDatabase, engine: DatabaseEngine) async throws {
        if engine == .postgres {
            try await db.raw("SELECT pg_advisory_xact_lock(727274)").run()
        }
    }

    /// True when every listed migration is recorded; readiness depends on it.
    public func isUpToDate(_ modules: [ModuleMigrations]) async throws -> Bool {
        let recorded = try await recordedMigrations()
        return modules.allSatisfy { module in
            module.migrations.allSatisfy { recorded.contains(Self.key(module.module, $0.version)) }
        }
    }

    /// Every recorded migration, as `key(module, version)`; none on a new database. The table is
    /// looked for first, in the same lease: reading a table that is not there would put an error
    /// in PostgreSQL's log on every first start.
    private func recordedMigrations() async throws -> Set<String> {
        let engine = database.engine
        let rows = try await database.read { db -> [any SQLRow] in
            let lookup: SQLQueryString =
                engine == .postgres
                ? "SELECT to_regclass('schema_migrations') IS NOT NULL AS present"
                : "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations') AS present"
            guard try await db.raw(lookup).first()?.decode(column: "present", as: Bool.self) == true else { return [] }
            return try await db.select().column("module").column("version").from("schema_migrations").all()
        }
        return Set(try rows.map { Self.key(try $0.decode(column: "module", as: String.self), try $0.decode(column: "version", as: Int.self)) })
    }

    private static func key(_ module: String, _ version: Int) -> String { "\(module)#\(version)" }
}

import Foundation
