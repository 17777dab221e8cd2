import Logging
import NIOCore
import NIOPosix
import SQLiteKit
public import SQLKit

/// SQLite in WAL mode: one write connection serialised by an async lock, and a few read
/// connections that run beside it (WAL lets readers proceed while a writer commits).
public final class SQLiteBackend: Database {
    public let engine = DatabaseEngine.sqlite
    public let changes = ChangeSignal()
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let writeLock = AsyncLock()
    private let nextReader = Atomic<Int>(0)
    private let logger: Logger

    public static func open(path: String, readers readerCount: Int = 4, logger: Logger) async throws -> SQLiteBackend {
        let writer = try await openConnection(path: path, logger: logger)
        var readers: [SQLiteConnection] = []
        for _ in 0..<readerCount {
            readers.append(try await openConnection(path: path, logger: logger))
        }
        return SQLiteBackend(writer: writer, readers: readers, logger: logger)
    }

    private init(writer: SQLiteConnection, readers: [SQLiteConnection], logger: Logger) {
        self.writer = writer
        self.readers = readers
        self.logger = logger
    }

    private static func openConnection(path: String, logger: Logger) async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let sql = connection.sql(queryLogLevel: nil)
        // WAL for concurrent readers; busy_timeout covers the moment a checkpoint holds the file.
        try await sql.raw("PRAGMA journal_mode=WAL").run()
        try await sql.raw("PRAGMA busy_timeout=10000").run()
        try await sql.raw("PRAGMA synchronous=NORMAL").run()
        try await sql.raw("PRAGMA foreign_keys=ON").run()
        return connection
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        let connection = readers.isEmpty ? writer : readers[abs(index) % readers.count]
        return try await body(StatementCounter.counting(connection.sql(queryLogLevel: nil)))
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let effects = TransactionEffects()
        let result = try await shieldedFromCancellation { [writer, writeLock] in
            try await writeLock.withLock {
                // IMMEDIATE takes the write lock up front instead of upgrading mid-transaction.
                try await runInTransaction(StatementCounter.counting(writer.sql(queryLogLevel: nil)), begin: "BEGIN IMMEDIATE") { db in
                    try await effects.recording { try await body(db) }
                }
            }
        }
        if effects.wakesWaiters { changes.signal() }
        return result
    }

    public func shutdown() async {
        // Closing must happen even when shutdown comes through task cancellation.
        _ = try? await shieldedFromCancellation { [readers, writer, writeLock] in
            try await writeLock.withLock {
                for connection in readers { try? await connection.close() }
                try? await writer.close()
            }
        }
    }
}

import Synchronization
