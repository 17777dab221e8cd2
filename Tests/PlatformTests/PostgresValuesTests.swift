import Foundation
@testable import PlatformDatabase
import PostgresKit
import PostgresNIO
import SQLKit
import Testing
import TestSupport

/// PostgreSQL binds and columns take a shortcut past PostgresKit for the common types; every
/// value must be sent as PostgresKit sends it and read back as it reads it, and fail where it fails.
@Suite("PostgreSQL binds and rows")
struct PostgresValuesTests {
    @Test func columnsReadBackAsPostgresKitReadsThem() async throws {
        try await withPlatform(.postgres) { platform in
            let backend = try #require(platform.database as? PostgresBackend)
            try await backend.client.withConnection { connection in
                let logger = platform.logger
                // A user-defined enum (PostgresKit reads it as text) and every column type the shortcut takes.
                try await connection.query("CREATE TYPE mood AS ENUM ('calm', 'busy')", logger: logger)
                let rows = try await connection.query(
                    """
                    SELECT 'x'::text AS text, ''::varchar AS varchar, 'n'::name AS name, NULL::text AS null_text,
                           3::int8 AS int8, (-4)::int4 AS int4, 2::int2 AS int2, NULL::int8 AS null_int,
                           true AS flag, NULL::bool AS null_flag, 1.5::float8 AS float8, 0.25::float4 AS float4,
                           1.25::numeric AS numeric, NULL::float8 AS null_real, 'busy'::mood AS mood,
                           '{"a":1}'::jsonb AS json, '0190f6a4-6a7b-7c1d-8e2f-3a4b5c6d7e8f'::uuid AS uuid
                    """, logger: logger
                ).collect()
                let row = try #require(rows.first)
                let fast = PostgresSQLRow(row)
                let general = row.sql()
                #expect(fast.allColumns == general.allColumns)
                for column in general.allColumns + ["missing"] {
                    #expect(fast.contains(column: column) == general.contains(column: column))
                    #expect(try fast.decodeNil(column: column) == general.decodeNil(column: column), "\(column)")
                    same(fast, general, column, as: String.self)
                    same(fast, general, column, as: String?.self)
                    same(fast, general, column, as: Int.self)
                    same(fast, general, column, as: Int?.self)
                    same(fast, general, column, as: Int64.self)
                    same(fast, general, column, as: Int64?.self)
                    same(fast, general, column, as: Bool.self)
                    same(fast, general, column, as: Bool?.self)
                    same(fast, general, column, as: Double.self)
                    same(fast, general, column, as: Double?.self)
                    same(fast, general, column, as: UUID.self)
                    same(fast, general, column, as: [String: Int].self)
                }
                // The shortcut is taken where it should be: these read as PostgreSQL wrote them.
                #expect(try fast.decode(column: "int4", as: Int.self) == -4)
                #expect(try fast.decode(column: "null_text", as: String?.self) == nil)
                #expect(try fast.decode(column: "mood", as: String.self) == "busy")
                #expect(try fast.decode(column: "numeric", as: Double.self) == 1.25)
            }
        }
    }

    @Test func bindsAreSentAsPostgresKitSendsThem() async throws {
        try await withPlatform(.postgres) { platform in
            let backend = try #require(platform.database as? PostgresBackend)
            let values: [any Encodable & Sendable] = [
                "text", "", 42, Int64(-7), Int64.max, true, false, 1.5, Optional("some"), String?.none, Int?.none, Optional(3),
                Date(timeIntervalSince1970: 1_700_000_000), UUID(uuidString: "0190f6a4-6a7b-7c1d-8e2f-3a4b5c6d7e8f")!, Int32(5),
                Float(0.25),
            ]
            try await backend.client.withConnection { connection in
                let prepared = PreparedPostgresDatabase(connection: connection)
                let general = connection.sql()
                for value in values {
                    // The parameter's declared type and the value as text, as the server received them.
                    let query: SQLQueryString = "SELECT pg_typeof(\(bind: value))::text AS type, (\(bind: value))::text AS value"
                    let sent = try #require(try await prepared.raw(query).first())
                    let expected = try #require(try await general.raw(query).first())
                    for column in ["type", "value"] {
                        #expect(
                            try sent.decode(column: column, as: String?.self) == expected.decode(column: column, as: String?.self),
                            "\(value): \(column)")
                    }
                }
            }
        }
    }

    /// Both rows give the same value for `column`, or both fail.
    /// PostgresNIO answers every execution of a statement whose preparation failed on a
    /// connection with that failure. A statement first run before its table existed must work on
    /// the same connection once the table is there, and a `SELECT *` once its table has a new
    /// column; a failure while executing keeps its name.
    @Test func aStatementThatFailedToPrepareIsPreparedAgain() async throws {
        try await withPlatform(.postgres) { platform in
            let backend = try #require(platform.database as? PostgresBackend)
            try await backend.client.withConnection { connection in
                let db = PreparedPostgresDatabase(connection: connection)
                let select: SQLQueryString = "SELECT id FROM made_later WHERE id >= \(bind: 1)"
                await #expect(throws: PSQLError.self) { try await db.raw(select).all() }
                try await connection.query("CREATE TABLE made_later (id INTEGER PRIMARY KEY)", logger: platform.logger)
                try await connection.query("INSERT INTO made_later (id) VALUES (1)", logger: platform.logger)
                let ids = try await db.raw(select).all().map { try $0.decode(column: "id", as: Int.self) }
                #expect(ids == [1])

                let insert: SQLQueryString = "INSERT INTO made_later (id) VALUES (\(bind: 1))"
                await #expect(throws: PSQLError.self) { try await db.raw(insert).run() }
                let name = try #require(PreparedStatementNames.shared.text(sql: "INSERT INTO made_later (id) VALUES ($1)", types: [.int8])).name
                await #expect(throws: PSQLError.self) { try await db.raw(insert).run() }  // a duplicate key: prepared, then failed
                #expect(PreparedStatementNames.shared.text(sql: "INSERT INTO made_later (id) VALUES ($1)", types: [.int8])?.name == name)

                // A column added since `SELECT *` was prepared: the execution that meets the change
                // fails, and the next prepares the statement again with the new row.
                let every: SQLQueryString = "SELECT * FROM made_later WHERE id >= \(bind: 1)"
                #expect(try await db.raw(every).all().first?.allColumns == ["id"])
                try await connection.query("ALTER TABLE made_later ADD COLUMN note TEXT", logger: platform.logger)
                await #expect(throws: PSQLError.self) { try await db.raw(every).all() }
                #expect(try await db.raw(every).all().first?.allColumns == ["id", "note"])
            }
        }
    }

    /// Renaming takes the current name only (connections failing on an older one after the
    /// same change rename nothing), and stops at the last generation.
    @Test func renamingMovesTheCurrentNameUpToTheLastGeneration() throws {
        let names = PreparedStatementNames()
        let first = try #require(names.text(sql: "SELECT 1", types: []))
        names.rename(first)
        let second = try #require(names.text(sql: "SELECT 1", types: []))
        #expect(second.name == first.name + "_1")
        names.rename(first)  // a stale name, from another connection's failure
        #expect(names.text(sql: "SELECT 1", types: [])?.name == second.name)
        for _ in 0..<(PreparedStatementNames.maximumGeneration + 5) {
            names.rename(try #require(names.text(sql: "SELECT 1", types: [])))
        }
        #expect(names.text(sql: "SELECT 1", types: [])?.name == first.name + "_\(PreparedStatementNames.maximumGeneration)")
    }

    private func same<Value: Decodable & Equatable>(_ fast: some SQLRow, _ general: some SQLRow, _ column: String, as type: Value.Type) {
        expectSameOutcome(
            "\(column) as \(Value.self)", expected: { try general.decode(column: column, as: Value.self) },
            actual: { try fast.decode(column: column, as: Value.self) })
    }
}
