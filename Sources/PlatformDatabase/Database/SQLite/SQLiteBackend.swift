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
    private let checkpointer: WALCheckpointer
    private let writeLock = AsyncLock()
    /// The commit group the write connection's open transaction belongs to; nil between groups.
    /// Only touched while holding `writeLock`.
    private let openGroup = Mutex<CommitGroup?>(nil)
    /// Read connections not lent out. A read takes one (opening another when all are busy) and
    /// gives it back; at most `idleReaderLimit` are kept.
    private let idleReaders = Mutex<[SQLiteHandle]>([])
    private let idleReaderLimit: Int
    private let logger: Logger

    public static func open(path: String, readers: Int = 4, logger: Logger) async throws -> SQLiteBackend {
        let writer = try openConnection(path: path)
        let checkpointer = WALCheckpointer(connection: try openConnection(path: path))
        writer.onWALCommit { pages in checkpointer.committed(walPages: pages) }
        let backend = SQLiteBackend(
            path: path, writer: writer, checkpointer: checkpointer, idleReaderLimit: max(readers, 1), logger: logger)
        let opened = try (0..<readers).map { _ in try openConnection(path: path) }
        backend.idleReaders.withLock { $0 = opened }
        return backend
    }

    private init(path: String, writer: SQLiteHandle, checkpointer: WALCheckpointer, idleReaderLimit: Int, logger: Logger) {
        self.path = path
        self.writer = writer
        self.checkpointer = checkpointer
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
        handle.startTrace()
        do {
            let value = try await body(StatementCounter.counting(SQLiteHandleDatabase(handle: handle, logger: logger)))
            StatementTrace.write(transaction: false, handle.endTrace())
            giveBack(handle)
            return value
        } catch {
            _ = handle.endTrace()
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

    /// Group commit: each transaction runs in a savepoint of an outer transaction that stays open
    /// while more transactions wait for the write lock, and the last in line (or the
    /// `groupLimit`-th) commits them all. A failing body rolls back to its own savepoint only.
    /// Nobody returns before the COMMIT that carries their changes succeeded; if it fails, every
    /// member of the group gets its error.
    ///
    /// Statements run synchronously, so a cancelled caller cannot leave the write connection
    /// inside an open transaction: its rollback runs like any other statement.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let effects = TransactionEffects()
        let (outcome, group) = await writeLock.withLock { [self] () -> (Result<T, any Error>, CommitGroup) in
            let db = StatementCounter.counting(SQLiteHandleDatabase(handle: writer, logger: logger))
            let joining = openGroup.withLock { $0 }
            let group = joining ?? CommitGroup()
            var outcome: Result<T, any Error>
            do {
                if joining == nil {
                    // IMMEDIATE takes the write lock up front instead of upgrading mid-transaction.
                    try writer.execute("BEGIN IMMEDIATE", binds: []) { _ in }
                    openGroup.withLock { $0 = group }
                }
                try writer.execute("SAVEPOINT member", binds: []) { _ in }
                writer.startTrace()
                do {
                    outcome = .success(try await effects.recording { try await body(db) })
                    StatementTrace.write(transaction: true, writer.endTrace())
                    try writer.execute("RELEASE member", binds: []) { _ in }
                } catch {
                    _ = writer.endTrace()  // rolled back: not part of the work
                    try writer.execute("ROLLBACK TO member", binds: []) { _ in }
                    try writer.execute("RELEASE member", binds: []) { _ in }
                    outcome = .failure(error)
                }
            } catch {
                // The savepoint machinery itself failed: end the group here, rolled back.
                outcome = .failure(error)
                try? writer.execute("ROLLBACK", binds: []) { _ in }
                openGroup.withLock { $0 = nil }
                group.finish(.failure(error))
                return (outcome, group)
            }
            if group.join() >= Self.groupLimit || !writeLock.hasWaiters {
                openGroup.withLock { $0 = nil }
                do {
                    try writer.execute("COMMIT", binds: []) { _ in }
                    group.finish(.success(()))
                } catch {
                    try? writer.execute("ROLLBACK", binds: []) { _ in }
                    group.finish(.failure(error))
                }
            }
            return (outcome, group)
        }
        try await group.committed()
        let value = try outcome.get()
        let topics = effects.topics
        if !topics.isEmpty { changes.signal(topics: topics) }
        return value
    }

    /// Transactions one COMMIT carries at most, so that a steady stream of writers still commits.
    static let groupLimit = 64

    public func shutdown() async {
        let readers = idleReaders.withLock { readers in
            defer { readers = [] }
            return readers
        }
        for reader in readers { reader.close() }
        checkpointer.close()
        // The last connection to close checkpoints the whole WAL into the database file.
        await writeLock.withLock { [writer] in writer.close() }
        StatementProfile.write()
    }
}
