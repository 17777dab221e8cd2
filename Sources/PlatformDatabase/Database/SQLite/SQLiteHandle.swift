import NIOCore
import SQLiteNIO
import SQLiteShims
import VaporCSQLite

/// One SQLite connection used straight through the C API, on the calling thread, with every
/// statement prepared once and kept. SQLiteNIO runs each statement on NIO's thread pool: two
/// thread hops and a re-parse and re-plan per statement, which cost more than the statements
/// themselves (a write transaction holds SQLite's single write lock across all those hops).
/// A statement here takes microseconds, so it runs where the caller is.
///
/// Not thread-safe: the owner (`SQLiteBackend`) hands a handle to one task at a time — the
/// writer under its lock, a reader from the pool — which is also why it is opened NOMUTEX.
final class SQLiteHandle: @unchecked Sendable {
    private var connection: OpaquePointer?
    private var statements: [String: CachedStatement] = [:]
    /// Counts lookups, so that the least recently used statements can be told apart.
    private var lookups: UInt64 = 0
    /// Statements kept at most; the least recently used quarter gives way when a new one would
    /// go past it. (Emptying the whole cache at 256, as before, re-prepared 6000 statements in
    /// 10 s of orders: 3% of the CPU.)
    private static let cacheLimit = 1024
    /// A statement with more binds than this runs once and is finalized, never cached. Batches
    /// come in runs of a power of two rows (`DatabaseEngine.statementRuns`) up to 256 rows of
    /// 8 columns, a few texts per batch statement, which are kept. (When batches came in every
    /// length, keeping them all held about 20 MiB more, so none over 64 binds was kept: each
    /// was prepared again, 5.5% of the CPU under the order load.)
    private static let largestCached: Int32 = 2048

    private struct CachedStatement {
        let statement: OpaquePointer
        var lastUsed: UInt64
    }
    /// What `onWALCommit` registered, kept alive until the connection closes.
    private var walHook: Unmanaged<WALHook>?

    /// SQLite's default VFS with a WAL's frames written down once per commit, 64 KiB at a time,
    /// instead of two `pwrite`s per frame (`WALWriteBuffer.c` in SQLiteShims); the default VFS
    /// itself if it could not be registered.
    private static let walBufferVFS: String? = sqlite_shims_wal_buffer_vfs().map { String(cString: $0) }

    /// WAL writes SQLite asked for and writes made for them, in this process (for tests).
    static var walWrites: (asked: Int, made: Int) {
        var asked = 0
        var made = 0
        sqlite_shims_wal_writes(&asked, &made)
        return (asked, made)
    }

    /// The name of the VFS the connection opened its files with (for tests).
    var vfsName: String? {
        var vfs: UnsafeMutablePointer<sqlite3_vfs>?
        guard sqlite_nio_sqlite3_file_control(connection, "main", SQLITE_FCNTL_VFS_POINTER, &vfs) == SQLITE_OK else { return nil }
        return vfs?.pointee.zName.map { String(cString: $0) }
    }

    /// Opens `path`; through SQLite's default VFS itself when not `bufferingWAL` (for tests).
    init(path: String, bufferingWAL: Bool = true) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, bufferingWAL ? Self.walBufferVFS : nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0).map { String(cString: $0) } } ?? "cannot open"
            sqlite_nio_sqlite3_close(handle)
            throw SQLiteFailure(code: status, message: "\(message) (\(path))")
        }
        connection = handle
        // The query planner stability guarantee: plans never depend on bound values. Without
        // it SQLite re-prepares a statement such as `… WHERE type = ?1 … ORDER BY tx_id, id`
        // on its first step after that bind changed (it compares the value with the ORDER
        // BY's terms), which every consumer's read of the event log did: 4% of the CPU under
        // the order load went to preparing statements that were prepared already. Bazaar has no
        // partial index and no LIKE on a bound pattern, the plans that need bound values.
        try check(sqlite_shims_enable_qpsg(UnsafeMutableRawPointer(handle)))
    }

    deinit { close() }

    func close() {
        for cached in statements.values { sqlite_nio_sqlite3_finalize(cached.statement) }
        statements = [:]
        if let connection { sqlite_nio_sqlite3_close(connection) }
        connection = nil
        walHook?.release()
        walHook = nil
    }

    /// Hands the WAL's size in pages to `onCommit` after every commit on this connection, on the
    /// committing thread. Registering it turns SQLite's automatic checkpoint off for this
    /// connection: whoever registers takes that job over.
    func onWALCommit(_ onCommit: @escaping @Sendable (Int) -> Void) {
        let hook = Unmanaged.passRetained(WALHook(onCommit))
        walHook?.release()
        walHook = hook
        _ = sqlite_nio_sqlite3_wal_hook(
            connection,
            { context, _, _, pages in
                if let context { Unmanaged<WALHook>.fromOpaque(context).takeUnretainedValue().onCommit(Int(pages)) }
                return SQLITE_OK
            }, hook.toOpaque())
    }

    private final class WALHook {
        let onCommit: @Sendable (Int) -> Void
        init(_ onCommit: @escaping @Sendable (Int) -> Void) { self.onCommit = onCommit }
    }

    /// Runs one statement to completion, handing each row to `onRow` as it is stepped.
    /// Statements run since `startTrace()`, while `BAZAAR_SQL_TRACE` is set.
    private var traced: [StatementTrace.Statement]?

    func startTrace() {
        if StatementTrace.path != nil { traced = [] }
    }

    /// The statements run since `startTrace()`, and stops collecting.
    func endTrace() -> [StatementTrace.Statement] {
        defer { traced = nil }
        return traced ?? []
    }

    func execute(_ sql: String, binds: [SQLiteData], onRow: (SQLiteRowValues) throws -> Void) throws {
        traced?.append((sql, binds))
        guard StatementProfile.path != nil else { return try run(sql, binds: binds, onRow: onRow) }
        let started = ContinuousClock.now
        defer { StatementProfile.record(sql, ContinuousClock.now - started) }
        try run(sql, binds: binds, onRow: onRow)
    }

    private func run(_ sql: String, binds: [SQLiteData], onRow: (SQLiteRowValues) throws -> Void) throws {
        let (statement, cached) = try prepared(sql)
        defer {
            if cached {
                sqlite_nio_sqlite3_reset(statement)
                sqlite_nio_sqlite3_clear_bindings(statement)
            } else {
                sqlite_nio_sqlite3_finalize(statement)
            }
        }
        for (index, value) in binds.enumerated() {
            try check(bind(value, at: Int32(index + 1), to: statement))
        }
        var columns: SQLiteRowValues.Columns?
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw error(status) }
            let names = columns ?? Self.columns(of: statement)
            columns = names
            try onRow(
                SQLiteRowValues(columns: names, values: try (0..<Int32(names.names.count)).map { try Self.value(at: $0, of: statement) }))
        }
    }

    /// The statement for `sql`, and whether the cache keeps it (else the caller finalizes it).
    private func prepared(_ sql: String) throws -> (statement: OpaquePointer, cached: Bool) {
        lookups &+= 1
        if let index = statements.index(forKey: sql) {
            statements.values[index].lastUsed = lookups
            return (statements.values[index].statement, true)
        }
        guard let connection else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection is closed") }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw error(status) }
        guard sqlite_nio_sqlite3_bind_parameter_count(statement) <= Self.largestCached else { return (statement, false) }
        if statements.count >= Self.cacheLimit { evictLeastRecentlyUsed() }
        statements[sql] = CachedStatement(statement: statement, lastUsed: lookups)
        return (statement, true)
    }

    /// How many times SQLite re-prepared the cached statement for `sql` (for tests).
    func reprepares(of sql: String) -> Int32 {
        guard let cached = statements[sql] else { return 0 }
        return sqlite_nio_sqlite3_stmt_status(cached.statement, SQLITE_STMTSTATUS_REPREPARE, 0)
    }

    private func evictLeastRecentlyUsed() {
        let evicted = statements.sorted { $0.value.lastUsed < $1.value.lastUsed }.prefix(Self.cacheLimit / 4)
        for (sql, cached) in evicted {
            sqlite_nio_sqlite3_finalize(cached.statement)
            statements[sql] = nil
        }
    }

    private func bind(_ value: SQLiteData, at index: Int32, to statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let integer):
            return sqlite_nio_sqlite3_bind_int64(statement, index, Int64(integer))
        case .float(let double):
            return sqlite_nio_sqlite3_bind_double(statement, index, double)
        case .text(let text):
            // The String bridges to a NUL-terminated copy for the call (an empty one is "", not
            // NULL); TRANSIENT makes SQLite copy it before returning.
            return sqlite_nio_sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), Self.transient, UInt8(SQLITE_UTF8))
        case .blob(let buffer):
            guard buffer.readableBytes > 0 else { return sqlite_nio_sqlite3_bind_zeroblob(statement, index, 0) }
            return buffer.withUnsafeReadableBytes { bytes in
                sqlite_nio_sqlite3_bind_blob64(statement, index, bytes.baseAddress, UInt64(bytes.count), Self.transient)
            }
        case .null:
            return sqlite_nio_sqlite3_bind_null(statement, index)
        }
    }

    private static func columns(of statement: OpaquePointer) -> SQLiteRowValues.Columns {
        let count = sqlite_nio_sqlite3_column_count(statement)
        return SQLiteRowValues.Columns(names: (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) })
    }

    private static func value(at column: Int32, of statement: OpaquePointer) throws -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER:
            return .integer(SQLiteInt64(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT:
            return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return .blob(buffer)
        default:
            return .null
        }
    }

    private func check(_ status: Int32) throws {
        guard status == SQLITE_OK else { throw error(status) }
    }

    private func error(_ status: Int32) -> SQLiteFailure {
        let message = connection.flatMap { sqlite_nio_sqlite3_errmsg($0).map { String(cString: $0) } } ?? "unknown error"
        return SQLiteFailure(code: status, message: message)
    }

    /// SQLITE_TRANSIENT: SQLite copies the bound bytes before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// A statement SQLite refused, with its result code and message (never the bound values).
public struct SQLiteFailure: Error, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public var description: String { "SQLite error \(code): \(message)" }
}
