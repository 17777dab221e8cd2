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
            var configuration =
                if let socket = Self.postgresSocketPath(host: host, port: port) {
                    PostgresClient.Configuration(unixSocketPath: socket, username: username, password: password, database: database)
                } else {
                    PostgresClient.Configuration(
                        host: host, port: port, username: username, password: password, database: database,
                        tls: requireTLS ? .require(.clientDefault) : .disable)
                }
            configuration.options.maximumConnections = poolSize
            // A pool of fixed size. The pool closes a connection above its minimum after an idle
            // spell, timed by a `Task.sleep` in a task group of its own, started each time such a
            // connection is parked and cancelled when it is leased again: under load that was a
            // libdispatch timer and three tasks per lease, about 5% of the process's CPU in `perf`
            // on the order path. The connections are opened once, at start.
            configuration.options.minimumConnections = poolSize
            // No keep-alive pings. The pool times them with a `Task.sleep` per idle spell of a
            // connection, cancelled when the connection is leased again, and on Linux a cancelled
            // sleep's memory stays until its original deadline (30 s): under 30 s of orders peak
            // RSS went 117 -> 90 MiB without them. A connection the network dropped while idle
            // fails its next query, and the pool replaces it. (Shorter timers instead lowered RSS
            // too, but a process could then hang on SIGTERM.)
            configuration.options.keepAliveBehavior = nil
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            return PostgresBackend(client: client, logger: logger)
        }
    }
}
