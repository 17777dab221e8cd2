import Foundation
import Logging
@testable import PlatformDatabase
import SQLKit
import Synchronization
import Testing
import TestSupport

/// A PostgreSQL URL naming a socket directory (`?host=/path`, as libpq takes it) connects through
/// the server's Unix-domain socket, and the database works through it as through TCP.
@Suite("PostgreSQL over its Unix-domain socket")
struct PostgresSocketTests {
    private let logger = {
        var logger = Logger(label: "postgres-socket")
        logger.logLevel = .critical
        return logger
    }()

    @Test func aSocketDirectoryURLConnectsThroughTheSocket() async throws {
        let (tcp, drop) = try await TestEngine.postgres.freshDatabase()
        do {
            guard case .postgres(_, let port, let user, _, let database, _) = tcp else { throw NotPostgres() }
            // The test server's socket directory, asked of the server itself over TCP.
            let directories = try await onDatabase(tcp) { db in
                #expect(try await Self.connectedOverSocket(db) == false)
                return try await db.read { db in
                    try await db.raw("SHOW unix_socket_directories").first()?.decode(column: "unix_socket_directories", as: String.self)
                }
            }
            let directory = try #require(directories?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) })
            let location = try DatabaseLocation(parsing: "postgres://\(user)@/\(database)?host=\(directory)&port=\(port)")
            #expect(location.description == "postgres://\(user)@/\(database)?host=\(directory)&port=\(port)")

            let written = try await onDatabase(location) { db in
                #expect(try await Self.connectedOverSocket(db) == true)
                try await db.transaction { db in
                    try await db.raw("CREATE TABLE socket_check (id INTEGER PRIMARY KEY, note TEXT NOT NULL)").run()
                    try await db.raw("INSERT INTO socket_check (id, note) VALUES (1, 'through the socket')").run()
                }
                return try await db.read { db in
                    try await db.raw("SELECT note FROM socket_check WHERE id = 1").first()?.decode(column: "note", as: String.self)
                }
            }
            #expect(written == "through the socket")
        } catch {
            await drop()
            throw error
        }
        await drop()
    }

    /// The server reports no client address for a connection on its Unix-domain socket.
    private static func connectedOverSocket(_ db: any Database) async throws -> Bool? {
        try await db.read { db in
            try await db.raw("SELECT inet_client_addr() IS NULL AS local").first()?.decode(column: "local", as: Bool.self)
        }
    }

    private func onDatabase<Result: Sendable>(
        _ location: DatabaseLocation, _ body: @Sendable @escaping (any Database) async throws -> Result
    ) async throws -> Result {
        let database = try await location.open(poolSize: 2, logger: logger)
        let result = Mutex<Result?>(Result?.none)
        try await withDatabaseRunning(database) {
            let value = try await body(database)
            result.withLock { $0 = value }
        }
        return try #require(result.withLock { $0 })
    }
}
