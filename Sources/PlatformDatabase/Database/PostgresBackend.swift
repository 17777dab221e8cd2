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
    /// Tells other processes what commits here did (see `listenForOtherProcesses`).
    let announcer: CommitAnnouncer
    private let elsewhere = TransactionsElsewhere()

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        self.announcer = CommitAnnouncer { [client] payload in
            // A wake-up hint: the announcement's own commit need not wait for a flush.
            try await client.withConnection { connection in
                try await PreparedPostgresDatabase(connection: connection).raw(
                    "SELECT set_config('synchronous_commit', 'off', true), pg_notify(\(bind: ChangeSignal.eventChannel), \(bind: payload))"
                ).run()
            }
        }
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
                let db = StatementCounter.counting(PreparedPostgresDatabase(connection: connection))
                guard inTransaction else { return try await effects.recording { try await body(db) } }
                return try await runInTransaction(db, begin: "BEGIN") { db in try await effects.recording { try await body(db) } }
            }
        }
        let topics = effects.topics
        if !topics.isEmpty {
            changes.signal(topics: topics)
            announcer.announce(topics)
        }
        return result
    }

    /// Holds one connection and passes on what commits in other processes on this database
    /// announce: the topics to wake (`ChangeSignal`), or nil for everyone. This process's own
    /// announcements are passed over, as its waiters were woken at the commit.
    public func listenForOtherProcesses(_ onCommit: @escaping @Sendable (Set<String>?) -> Void) async throws {
        try await client.withConnection { [announcer] connection in
            try await connection.listen(on: ChangeSignal.eventChannel) { notifications in
                for try await notification in notifications {
                    guard let topics = CommitAnnouncer.topics(in: notification.payload, unlessFrom: announcer.origin) else { continue }
                    onCommit(topics.isEmpty ? nil : topics)
                }
            }
        }
    }

    public func settledTransactions(on db: any SQLDatabase) async throws -> SQLQueryString {
        try await elsewhere.settledTransactions(on: db)
    }

    public func shutdown() async {}
}
