import Logging
import PostgresNIO

extension DatabaseLocation {
    /// Opens the database. For PostgreSQL the returned client still has to be run by a service
    /// group (see `PostgresClientService`).
    /// `poolSize` caps PostgreSQL connections per process (SQLite uses one writer and 4 readers).
    public func open(poolSize: Int = 20, logger: Logger) async throws -> any Database {
        switch self {
        case .sqlite(let path):
            return try await SQLiteBackend.open(path: path, logger: logger)
        case .postgres(let host, let port, let username, let password, let database, let requireTLS):
            var configuration = PostgresClient.Configuration(
                host: host, port: port, username: username, password: password, database: database,
                tls: requireTLS ? .require(.clientDefault) : .disable)
            configuration.options.maximumConnections = poolSize
            configuration.options.minimumConnections = min(2, poolSize)
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            return PostgresBackend(client: client, logger: logger)
        }
    }
}
