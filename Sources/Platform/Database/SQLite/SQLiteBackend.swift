import Logging
public import SQLKit
import Synchronization

/// SQLite in WAL mode: one write connection serialised by an async lock, and a pool of read
/// connections that run beside it (WAL lets readers proceed while a writer commits). Statements
/// run on the calling task's thread through `SQLiteHandle`, each prepared once per connection.
public final class SQLiteBackend: Database {
    public let engine = DatabaseEngine.sqlite
    public let changes = ChangeSignal()
    private let path: String
    private let writer: SQLiteHandle
    private let writeLock = AsyncLock()
    /// Read connections not lent out. A read takes one (opening another when all are busy) and
    /// gives it back; at most `idleReaderLimit` are kept.
    private let idleReaders = Mutex<[SQLiteHandle]>([])
    private let idleReaderLimit: Int
    private let logger: Logger

    public static func open(path: String, readers: Int = 4, logger: Logger) async throws -> SQLiteBackend {
        let writer = try openConnection(path: path)
        let backend = SQLiteBackend(path: path, writer: writer, idleReaderLimit: max(readers, 1), logger: logger)
        let opened = try (0..<readers).map { _ in try openConnection(path: path) }
        backend.idleReaders.withLock { $0 = opened }
        return backend
    }

    private init(path: String, writer: SQLiteHandle, idleReaderLimit: Int, logger: Logger) {
        self.path = path
        self.writer = writer
        self.idleReaderLimit = idleReaderLimit
        self.logger = logger
    }

    private static func openConnection(path: String) throws -> SQLiteHandle {
        let handle = try SQLiteHandle(path: path)
        // WAL for concurrent readers; busy_timeout covers the moment a checkpoint holds the file.
        // NORMAL: a commit is durable once the WAL is synced at the next checkpoint; a power cut
        // may lose the last transactions but never corrupts the database (see the README).
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=10000", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"] {
            try handle.execute(pragma, binds: []) { _ in }
        }
        return handle
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let handle = try takeReader()
        do {
            let value = try await body(StatementCounter.counting(SQLiteHandleDatabase(handle: handle, logger: logger)))
            giveBack(handle)
            return value
        } catch {
            giveBack(handle)
            throw error
        }
    }

    private func takeReader() throws -> SQLiteHandle {
        if let idle = idleReaders.withLock({ $0.popLast() }) { return idle }
        return try Self.openConnection(path: path)
    }

    private func giveBack(_ handle: SQLiteHandle) {
        let kept = idleReaders.withLock { idle in
            guard idle.count < idleReaderLimit else { return false }
            idle.append(handle)
            return true
        }
        if !kept { handle.close() }
    }

    /// Statements run synchronously, so a cancelled caller cannot leave the write connection
    /// inside an open transaction: its ROLLBACK runs like any other statement.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let effects = TransactionEffects()
        let result = try await writeLock.withLock { [writer, logger] in
            // IMMEDIATE takes the write lock up front instead of upgrading mid-transaction.
            try await runInTransaction(StatementCounter.counting(SQLiteHandleDatabase(handle: writer, logger: logger)), begin: "BEGIN IMMEDIATE") { db in
                try await effects.recording { try await body(db) }
            }
        }
        if effects.wakesWaiters { changes.signal() }
        return result
    }

    public func shutdown() async {
        let readers = idleReaders.withLock { readers in
            defer { readers = [] }
            return readers
        }
        for reader in readers { reader.close() }
        _ = try? await writeLock.withLock { [writer] in writer.close() }
    }
}
