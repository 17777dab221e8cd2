import Foundation
import Logging
public import PlatformDatabase
import PostgresNIO
import Testing

/// The engines every test runs on. PostgreSQL is required: without `BAZAAR_TEST_POSTGRES_URL`
/// (set by scripts/test) the PostgreSQL variant fails rather than skips.
public enum TestEngine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    public var testDescription: String { rawValue }

    public struct Missing: Error, CustomStringConvertible {
        public let description = "BAZAAR_TEST_POSTGRES_URL is not set: run the suite with scripts/test, which starts PostgreSQL"
    }

    static var postgresURL: String? { ProcessInfo.processInfo.environment["BAZAAR_TEST_POSTGRES_URL"] }

    /// A fresh, empty database for one test, and a closure that drops it.
    public func freshDatabase() async throws -> (location: DatabaseLocation, drop: @Sendable () async -> Void) {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        switch self {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("bazaar-\(name).sqlite").path
            return (
                .sqlite(path: path),
                {
                    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
                }
            )
        case .postgres:
            guard let url = Self.postgresURL else { throw Missing() }
            guard case .postgres(let host, let port, let user, let password, _, _) = try DatabaseLocation(parsing: url) else {
                throw Missing()
            }
            try await Self.adminQuery(url: url, "CREATE DATABASE \(name)")
            let location = DatabaseLocation.postgres(
                host: host, port: port, username: user, password: password, database: String(name), requireTLS: false)
            return (location, { try? await Self.adminQuery(url: url, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
        }
    }

    private static func adminQuery(url: String, _ sql: String) async throws {
        guard case .postgres(let host, let port, let user, let password, let database, _) = try DatabaseLocation(parsing: url) else {
            return
        }
        let configuration =
            if let socket = DatabaseLocation.postgresSocketPath(host: host, port: port) {
                PostgresConnection.Configuration(unixSocketPath: socket, username: user, password: password, database: database)
            } else {
                PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
            }
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test-admin"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-admin"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}
