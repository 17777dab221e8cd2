import Logging
public import SQLKit
import Synchronization

/// SQLite in WAL mode: one write connection fed by a queue of write transactions that one task
/// at a time runs and commits together, and a pool of read connections that run beside it (WAL
/// lets readers proceed while a writer commits). Statements run on the running task's thread
/// through `SQLiteHandle`, each prepared once per connection.
public final class SQLiteBackend: Database {
    public let engine = DatabaseEngine.sqlite
    public let changes = ChangeSignal()
    private let path: String
    private let writer: SQLiteHandle
    private let checkpointer: WALCheckpointer
    private let writeLock = AsyncLock()
    private let writeQueue = WriteQueue()
    /// Read connections not lent out. A read takes one (opening another when all are busy) and
    /// gives it back; at most `idleReaderLimit` are kept.
    private let idleReaders = Mutex<[SQLiteHandle]>([])
    private let idleReaderLimit: Int
    private let logger: Logger

    public static func open(path: String, readers: Int = 4, logger: Logger) async throws -> SQLiteBackend {
        try await open(path: path, readers: readers, checkpoints: WALCheckpointer.Limits(), logger: logger)
    }

    static func open(path: String, readers: Int, checkpoints: WALCheckpointer.Limits, logger: Logger) async throws -> SQLiteBackend {
        let writer = try openConnection(path: path)
        let checkpointer = WALCheckpointer(connection: try openConnection(path: path), databasePath: path, limits: checkpoints)
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
        // temp_store=MEMORY: each write transaction runs in a savepoint, and SQLite keeps the
        // savepoint's journal in a temporary file by default; writing it was 9% of a profile of
        // the order load. In memory: 15-30% more orders, 14-26% less CPU per order. It only ever
        // holds what a rollback to the savepoint needs, so durability is unchanged.
        let pragmas = [
            "PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=10000", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON",
            "PRAGMA temp_store=MEMORY",
        ]
        for pragma in pragmas {
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

    /// Group commit by flat combining: the transaction joins the `WriteQueue`, and one task runs
    /// the bodies of every queued transaction, each in a savepoint of one outer transaction that
    /// stays open while more queue up; the last in line (or the `groupLimit`-th) commits them
    /// all. A failing body rolls back to its own savepoint only. Nobody returns before the COMMIT
    /// that carries their changes succeeded; if it fails, every member of the group gets its error.
    ///
    /// The body runs on the combining task, so a cancelled caller cannot leave the write
    /// connection inside an open transaction.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let write = SubmittedWrite(body)
        if writeQueue.enqueue(write) {
            Task { await combine() }
        }
        let value = try await write.committed()
        let topics = write.effects.topics
        if !topics.isEmpty { changes.signal(topics: topics) }
        return value
    }

    /// One write transaction of a group, like any other: a group commit costs the statement no
    /// more than its own transaction would.
    public func singleStatementWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await transaction(body)
    }

    /// Serialized with SQLite's dialect and its binds converted, beside the writer. (The
    /// connection the serializing view is made with is never touched: serializing needs only
    /// the dialect.)
    public func serialize(_ statement: any SQLExpression) throws -> SerializedStatement {
        let (sql, binds) = SQLiteHandleDatabase(handle: writer, logger: logger).serialize(statement)
        return SerializedStatement(form: .sqlite(sql: sql, binds: try binds.map(SQLiteValues.data)))
    }

    /// Runs queued transactions in groups until none wait, checkpointing the WAL between groups
    /// when it is due. The write lock only keeps `shutdown` from closing the connection under a
    /// group.
    private func combine() async {
        await writeLock.withLock {
            while let first = writeQueue.next(upTo: Self.groupLimit) {
                await commitGroup(first)
                if checkpointer.isDue { await checkpointer.restart() }
            }
        }
    }

    private func commitGroup(_ first: [any QueuedWrite]) async {
        let db = SQLiteHandleDatabase(handle: writer, logger: logger)
        var members = first
        do {
            // IMMEDIATE takes the write lock up front instead of upgrading mid-transaction.
            try writer.execute("BEGIN IMMEDIATE", binds: []) { _ in }
            var index = 0
            while index < members.count {
                let member = members[index]
                index += 1
                try writer.execute("SAVEPOINT member", binds: []) { _ in }
                writer.startTrace()
                if await member.run(on: db) {
                    StatementTrace.write(transaction: true, writer.endTrace())
                    try writer.execute("RELEASE member", binds: []) { _ in }
                } else {
                    _ = writer.endTrace()  // rolled back: not part of the work
                    try writer.execute("ROLLBACK TO member", binds: []) { _ in }
                    try writer.execute("RELEASE member", binds: []) { _ in }
                }
                if index == members.count {
                    members += writeQueue.more(
                        upTo: Self.groupLimit - members.count, holdingBackground: members.contains { $0.isBackground })
                }
            }
            try writer.execute("COMMIT", binds: []) { _ in }
        } catch {
            // The savepoint machinery or the COMMIT failed: the whole group is rolled back.
            try? writer.execute("ROLLBACK", binds: []) { _ in }
            for member in members { member.finish(.failure(error)) }
            return
        }
        for member in members { member.finish(.success(())) }
    }

    /// How many write transactions wait for the writer (for tests).
    var queuedWrites: Int { writeQueue.count }

    /// How many times the WAL was restarted (for tests).
    var walRestarts: Int { checkpointer.restarts }

    /// Transactions one COMMIT carries at most. Every member waits for its group's COMMIT, so a
    /// long group leaves the HTTP side without work and then floods it: under the order load, 8
    /// gave 10–25% more orders than 64 and used 1.65–1.7 cores instead of 1.43.
    static let groupLimit = 8

    /// One writer: a transaction that committed is never overtaken.
    public func settledTransactions(on db: any SQLDatabase) async throws -> SQLQueryString { "" }

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
