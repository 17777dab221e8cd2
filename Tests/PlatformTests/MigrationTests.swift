import Foundation
import Logging
@testable import PlatformDatabase
import SQLKit
import Testing
import TestSupport

@Suite("Migrations")
struct MigrationTests {
    @Test(arguments: TestEngine.allCases)
    func applyOnceFromEmptyAndRecordEachVersion(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            let migrator = Migrator(database: platform.database, logger: platform.logger)
            try await migrator.migrate([PlatformMigrations.all])  // second run: nothing to do
            #expect(try await migrator.isUpToDate([PlatformMigrations.all]))
            let versions = try await platform.database.read { db in
                try await db.raw("SELECT version FROM schema_migrations WHERE module = 'platform' ORDER BY version").all().map {
                    try $0.decode(column: "version", as: Int.self)
                }
            }
            #expect(versions == [1, 2, 3, 4, 5, 6, 7, 8, 9])
        }
    }

    /// Processes of a split deployment start together on an empty database: every one of them
    /// must come up, with each migration applied once.
    @Test(arguments: TestEngine.allCases)
    func processesStartingTogetherMigrateOnce(engine: TestEngine) async throws {
        try await withFreshDatabase(engine, poolSize: 8) { database, logger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask { try await Migrator(database: database, logger: logger).migrate([PlatformMigrations.all]) }
                }
                try await group.waitForAll()
            }
            let count = try await database.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM schema_migrations").first().map { try $0.decode(column: "n", as: Int.self) }
            }
            #expect(count == 9)
        }
    }

    /// Before the first start there is no `schema_migrations`: the database is not up to date,
    /// and asking is an answer, not an error (readiness asks it).
    @Test(arguments: TestEngine.allCases)
    func aNewDatabaseIsNotUpToDate(engine: TestEngine) async throws {
        try await withFreshDatabase(engine) { database, logger in
            let upToDate = try await Migrator(database: database, logger: logger).isUpToDate([PlatformMigrations.all])
            #expect(!upToDate)
        }
    }

    /// A start on an up-to-date database reads what is recorded and stops there; a migration
    /// added since (an upgrade) is still applied, once.
    @Test(arguments: TestEngine.allCases)
    func anUpToDateDatabaseCostsTwoQueriesAndAnUpgradeStillApplies(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            let migrator = Migrator(database: platform.database, logger: platform.logger)
            let first = SQLMigration(version: 1, name: "first") { _ in ["CREATE TABLE upgrade_first (id INTEGER)"] }
            let second = SQLMigration(version: 2, name: "second") { _ in ["CREATE TABLE upgrade_second (id INTEGER)"] }
            try await migrator.migrate([PlatformMigrations.all, ModuleMigrations(module: "upgrade", migrations: [first])])

            let counter = StatementCounter()
            try await StatementCounter.$current.withValue(counter) {
                try await migrator.migrate([PlatformMigrations.all, ModuleMigrations(module: "upgrade", migrations: [first])])
            }
            #expect(counter.statements == 2)  // whether the table is there, then what it records

            let upgraded = [PlatformMigrations.all, ModuleMigrations(module: "upgrade", migrations: [first, second])]
            #expect(try await !migrator.isUpToDate(upgraded))
            try await migrator.migrate(upgraded)
            #expect(try await migrator.isUpToDate(upgraded))
            let recorded = try await platform.database.read { db in
                try await db.raw("SELECT version FROM schema_migrations WHERE module = 'upgrade' ORDER BY version").all().map {
                    try $0.decode(column: "version", as: Int.self)
                }
            }
            #expect(recorded == [1, 2])
            // The new table exists: the migration ran, not only its bookkeeping row.
            try await platform.database.transaction { db in try await db.raw("INSERT INTO upgrade_second (id) VALUES (1)").run() }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aFailedMigrationLeavesNoTraceAndStops(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            let broken = ModuleMigrations(
                module: "broken",
                migrations: [
                    SQLMigration(version: 1, name: "good") { _ in ["CREATE TABLE good_one (id INTEGER)"] },
                    SQLMigration(version: 2, name: "half") { _ in ["CREATE TABLE half_done (id INTEGER)", "THIS IS NOT SQL"] },
                ])
            let migrator = Migrator(database: platform.database, logger: platform.logger)
            await #expect(throws: Migrator.MigrationFailed.self) { try await migrator.migrate([broken]) }
            #expect(try await !migrator.isUpToDate([broken]))
            let tables = try await platform.database.read { db in
                let sql: SQLQueryString =
                    engine == .sqlite
                    ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('good_one', 'half_done')"
                    : "SELECT tablename AS name FROM pg_tables WHERE tablename IN ('good_one', 'half_done')"
                return try await db.raw(sql).all().map { try $0.decode(column: "name", as: String.self) }
            }
            #expect(tables == ["good_one"])
        }
    }

    @Test func databaseLocationsParseAndNeverPrintPasswords() throws {
        #expect(try DatabaseLocation(parsing: "sqlite:./x.sqlite") == .sqlite(path: "./x.sqlite"))
        let postgres = try DatabaseLocation(parsing: "postgres://shop:s3cret@db.local:6543/bazaar")
        #expect(
            postgres == .postgres(host: "db.local", port: 6543, username: "shop", password: "s3cret", database: "bazaar", requireTLS: false)
        )
        #expect(!postgres.description.contains("s3cret"))
        // A socket directory, libpq's way: in the query, or percent-encoded as the host.
        let socket = DatabaseLocation.postgres(
            host: "/run/postgresql", port: 5433, username: "shop", password: nil, database: "bazaar", requireTLS: false)
        #expect(try DatabaseLocation(parsing: "postgres://shop@/bazaar?host=/run/postgresql&port=5433") == socket)
        #expect(try DatabaseLocation(parsing: "postgresql://shop@%2Frun%2Fpostgresql:5433/bazaar") == socket)
        #expect(try DatabaseLocation(parsing: socket.description) == socket)
        #expect(DatabaseLocation.postgresSocketPath(host: "/run/postgresql", port: 5433) == "/run/postgresql/.s.PGSQL.5433")
        #expect(DatabaseLocation.postgresSocketPath(host: "db.local", port: 5433) == nil)
        let bad = [
            "mysql://x/y", "postgres://host-only", "sqlite:", "nonsense", "postgres://u@/db", "postgres://u@/db?host=/run/pg&port=x",
            "postgres://u@/db?host=/run/pg&port=70000", "postgres://u@/db?host=/run/pg&sslmode=require",
        ]
        for bad in bad {
            #expect(throws: DatabaseLocation.ParseError.self, "\(bad)") { try DatabaseLocation(parsing: bad) }
        }
        do {
            _ = try DatabaseLocation(parsing: "postgresx://u:topsecret@h/d")
        } catch {
            #expect(!"\(error)".contains("topsecret"))
        }
    }
}
