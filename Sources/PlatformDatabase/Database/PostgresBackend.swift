import Logging
import PostgresKit
public import PostgresNIO
public import SQLKit
import Synchronization

/// PostgreSQL through a `PostgresClient` pool. The client must be running (`run()`) for queries
/// to proceed; the composition root adds it to the service group.
public final class PostgresBackend: Database {
    public let engine = DatabaseEngine.postgres
    public let changes = ChangeSignal()
    public let client: PostgresClient
    private let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await body(StatementCounter.counting(PreparedPostgresDatabase(connection: connection)))
        }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await write(inTransaction: true, body)
    }

    public func singleStatementWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await write(inTransaction: false, body)
    }

    /// Serialized when it runs, as any statement: transactions here do not wait for each other.
    public func serialize(_ statement: any SQLExpression) -> SerializedStatement {
        SerializedStatement(form: .whenRun(statement))
    }

    private func write<T: Sendable>(inTransaction: Bool, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let effects = TransactionEffects()
        let result = try await shieldedFromCancellation { [client] in
            try await client.withConnection { connection in
                // Listeners in other processes learn of appended events from the event log's
                // trigger (platform migration 8), at commit.
                let db = StatementCounter.counting(PreparedPostgresDatabase(connection: connection))
                guard inTransaction else { return try await effects.recording { try await body(db) } }
                return try await runInTransaction(db, begin: "BEGIN") { db in try await effects.recording { try await body(db) } }
            }
        }
        let topics = effects.topics
        if !topics.isEmpty { changes.signal(topics: topics) }
        return result
    }

    /// Holds one connection and yields each notification on `channel` (LISTEN/NOTIFY), so that
    /// consumers in this process wake when another process commits events.
    /// Each notification's payload is passed on (the event types of the commit; may be empty).
    public func listen(channel: String, onNotification: @escaping @Sendable (String) -> Void) async throws {
        try await client.withConnection { connection in
            let notifications = try await connection.listen(channel)
            for try await notification in notifications { onNotification(notification.payload) }
        }
    }

    public func shutdown() async {}
}
