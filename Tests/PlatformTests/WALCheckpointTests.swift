import Foundation
import Logging
@testable import PlatformDatabase
import SQLKit
import Testing

@Suite("SQLite WAL checkpoints")
struct WALCheckpointTests {
    /// The write connection hands checkpoints to the checkpointer's own connection: the data
    /// still reaches the database file while writes go on, and all of it is there after a reopen.
    @Test func theWALReachesTheDatabaseFileWhileWritesGoOn() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bazaar-wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("wal.sqlite").path
        let logger = Logger(label: "wal-test")

        let database = try await SQLiteBackend.open(path: path, logger: logger)
        try await database.transaction { db in try await db.raw("CREATE TABLE chunks (id INTEGER PRIMARY KEY, body BLOB NOT NULL)").run() }
        // 80 transactions of 64 KiB: about 1300 pages of WAL, past the 1000-page threshold.
        let chunk = [UInt8](repeating: 0xA5, count: 64 * 1024)
        for id in 0..<80 {
            try await database.transaction { db in
                try await db.raw("INSERT INTO chunks (id, body) VALUES (\(bind: id), \(bind: Data(chunk)))").run()
            }
        }
        // The checkpoint runs in the background: wait for the first 1000 pages (what the WAL held
        // when it crossed the threshold) to land in the file itself; the rest stays in the WAL.
        let expected = 3 * 1024 * 1024
        var fileSize = 0
        for _ in 0..<200 where fileSize < expected {
            fileSize = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            if fileSize < expected { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(fileSize >= expected, "the WAL was not checkpointed into the database file (\(fileSize) bytes)")
        await database.shutdown()

        let reopened = try await SQLiteBackend.open(path: path, logger: logger)
        let count = try await reopened.read { db in try await db.raw("SELECT COUNT(*) AS n FROM chunks").first(decodingColumn: "n", as: Int.self) }
        #expect(count == 80)
        await reopened.shutdown()
    }
}
