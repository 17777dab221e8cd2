import Foundation
import Logging
@testable import PlatformDatabase
import SQLKit
import Synchronization
import Testing

@Suite("SQLite WAL checkpoints")
struct WALCheckpointTests {
    /// The write connection hands checkpoints to the checkpointer's own connection: the data
    /// still reaches the database file while writes go on, and all of it is there after a reopen.
    @Test func theWALReachesTheDatabaseFileWhileWritesGoOn() async throws {
        try await withDatabaseFile { path, logger in
            let database = try await SQLiteBackend.open(
                path: path, readers: 1, checkpoints: .init(passiveInterval: 1000, restartLength: 100_000), logger: logger)
            try await createChunks(database)
            // 80 transactions of 64 KiB: about 1300 pages of WAL, past the 1000-page interval.
            for id in 0..<80 { try await insertChunk(id, kilobytes: 64, into: database) }
            // The checkpoint runs in the background: wait for the first 1000 pages (what the WAL
            // held when it crossed the interval) to land in the file itself.
            let expected = 3 * 1024 * 1024
            var fileSize = 0
            for _ in 0..<200 where fileSize < expected {
                fileSize = size(of: path)
                if fileSize < expected { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(fileSize >= expected, "the WAL was not checkpointed into the database file (\(fileSize) bytes)")
            await database.shutdown()

            let reopened = try await SQLiteBackend.open(path: path, logger: logger)
            #expect(try await chunkCount(reopened) == 80)
            await reopened.shutdown()
        }
    }

    /// Writers that never pause and readers that always have a transaction open: a checkpoint
    /// beside the writes can then never restart the WAL (it grew by 180 MB a second under the
    /// order load). The restart between commits keeps it near its limit.
    @Test func theWALStaysShortUnderWritersAndReadersThatNeverPause() async throws {
        try await withDatabaseFile { path, logger in
            let limits = WALCheckpointer.Limits(passiveInterval: 50, restartLength: 200)
            let database = try await SQLiteBackend.open(path: path, readers: 2, checkpoints: limits, logger: logger)
            try await createChunks(database)
            let writing = ManagedAtomicFlag()
            let longest = try await withThrowingTaskGroup(of: Int.self) { group in
                // Four writers, 16 KiB each time: about 4800 pages of WAL in all.
                for writer in 0..<4 {
                    group.addTask {
                        var longest = 0
                        for index in 0..<240 {
                            try await insertChunk(writer * 1000 + index, kilobytes: 16, into: database)
                            longest = max(longest, size(of: path + "-wal"))
                        }
                        return longest
                    }
                }
                for _ in 0..<2 {
                    group.addTask {
                        while writing.isSet {
                            _ = try await chunkCount(database)
                            await Task.yield()  // a read never suspends: leave the threads to the writers too
                        }
                        return 0
                    }
                }
                var longest = 0
                for _ in 0..<4 { longest = max(longest, try await group.next() ?? 0) }
                writing.clear()
                for try await _ in group {}
                return longest
            }
            #expect(try await chunkCount(database) == 960)
            // Without restarts the WAL holds all of it (6142 pages in a run with them off). With
            // them the writes pause for a restart at twice the restart length (400 pages) at the
            // latest, whatever the passes have done, and one group of writes more than that is
            // what the WAL can hold. A loaded full test run once saw 6094 pages before that bound.
            #expect(database.walRestarts >= 2)
            #expect(longest < 800 * 4096, "the WAL grew to \(longest / 4096) pages")
            await database.shutdown()
        }
    }

    private func withDatabaseFile(_ body: (String, Logger) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bazaar-wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory.appendingPathComponent("wal.sqlite").path, Logger(label: "wal-test"))
    }
}

private func createChunks(_ database: SQLiteBackend) async throws {
    try await database.transaction { db in try await db.raw("CREATE TABLE chunks (id INTEGER PRIMARY KEY, body BLOB NOT NULL)").run() }
}

private func insertChunk(_ id: Int, kilobytes: Int, into database: SQLiteBackend) async throws {
    let chunk = Data(repeating: 0xA5, count: kilobytes * 1024)
    try await database.transaction { db in
        try await db.raw("INSERT INTO chunks (id, body) VALUES (\(bind: id), \(bind: chunk))").run()
    }
}

private func chunkCount(_ database: SQLiteBackend) async throws -> Int? {
    try await database.read { db in try await db.raw("SELECT COUNT(*) AS n FROM chunks").first(decodingColumn: "n", as: Int.self) }
}

private func size(of path: String) -> Int {
    (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
}

/// Set until cleared; read by other tasks.
private final class ManagedAtomicFlag: Sendable {
    private let value = Synchronization.Atomic<Bool>(true)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func clear() { value.store(false, ordering: .relaxed) }
}

@Suite("SQLite WAL checkpoint schedule")
struct WALCheckpointScheduleTests {
    /// Between bursts SQLite restarts the WAL by itself; the passes then count from its new
    /// start, not from where the long WAL left off.
    @Test func passesCountFromTheStartAfterSQLiteRestartsTheWAL() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bazaar-wal-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let connection = try SQLiteHandle(path: path)
        try connection.execute("PRAGMA journal_mode=WAL", binds: []) { _ in }
        let checkpointer = WALCheckpointer(
            connection: connection, databasePath: path, limits: .init(passiveInterval: 100, restartLength: 10_000))

        checkpointer.committed(walPages: 150)  // a pass starts; the next is due 100 pages on
        try await waitUntilNextPassive(checkpointer, is: 250)
        checkpointer.committed(walPages: 20)  // the WAL restarted
        #expect(checkpointer.nextPassive == 100)
        checkpointer.committed(walPages: 120)
        try await waitUntilNextPassive(checkpointer, is: 220)
        checkpointer.close()
    }

    private func waitUntilNextPassive(_ checkpointer: WALCheckpointer, is expected: Int) async throws {
        for _ in 0..<200 where checkpointer.nextPassive != expected { try await Task.sleep(for: .milliseconds(10)) }
        #expect(checkpointer.nextPassive == expected)
    }
}
