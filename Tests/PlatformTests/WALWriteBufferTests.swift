import Foundation
@testable import PlatformDatabase
import SQLiteNIO
import Testing

/// The VFS that gathers a WAL's writes (`WALWriteBuffer.c`): fewer writes, and every commit in
/// the file by the time it returns, as another connection reading the file itself sees it.
@Suite("SQLite WAL write buffer")
struct WALWriteBufferTests {
    @Test func commitsAreInTheFileWhenTheyReturnInFewerWrites() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bazaar-walbuffer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("buffer.sqlite").path
        let writer = try SQLiteHandle(path: path)
        #expect(writer.vfsName == "bazaar-wal-buffer")
        // As Bazaar's connections are set up, with no automatic checkpoint (the WAL keeps every
        // frame, to count them) and a page cache small enough that a large transaction spills
        // frames into the WAL and reads them back before its commit.
        for pragma in [
            "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA wal_autocheckpoint=0", "PRAGMA cache_size=16",
            "CREATE TABLE chunks (id INTEGER PRIMARY KEY, body BLOB NOT NULL)",
        ] {
            try writer.execute(pragma, binds: []) { _ in }
        }
        // Reads the file through SQLite's default VFS: it sees only what was written down.
        let reader = try SQLiteHandle(path: path, bufferingWAL: false)
        #expect(reader.vfsName == "unix")
        func committed() throws -> (rows: Int, bytes: Int) {
            var found = (rows: 0, bytes: 0)
            try reader.execute("SELECT COUNT(*), COALESCE(SUM(length(body)), 0) FROM chunks", binds: []) { row in
                if case .integer(let rows) = row.values[0], case .integer(let bytes) = row.values[1] { found = (rows, bytes) }
            }
            return found
        }

        func walFrames() throws -> Int {
            let size = (try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
            return max(size - 32, 0) / (24 + 4096)  // a 32-byte header, then the frames
        }
        let framesBefore = try walFrames()
        let before = SQLiteHandle.walWrites
        var rows = 0
        var bytes = 0
        for round in 1...40 {
            // One page, a few pages, and every tenth past the 512 KiB buffer (200 chunks of 4 KiB).
            let count = round % 10 == 0 ? 200 : round % 4 + 1
            let size = round % 2 == 0 ? 4096 : 100
            try writer.execute("BEGIN IMMEDIATE", binds: []) { _ in }
            try writer.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(count)) INSERT INTO chunks (body) SELECT randomblob(\(size)) FROM n",
                binds: []
            ) { _ in }
            try writer.execute("COMMIT", binds: []) { _ in }
            rows += count
            bytes += count * size
            let seen = try committed()
            #expect(seen.rows == rows && seen.bytes == bytes, "round \(round): the other connection read \(seen)")
        }
        let after = SQLiteHandle.walWrites

        // Each frame is two writes asked for (header, page); gathered, a commit's frames go down
        // 64 KiB at a time. Other tests' connections count too, and save writes as well.
        let frames = try walFrames() - framesBefore
        #expect(frames > 300)
        #expect(after.asked - before.asked >= 2 * frames)
        #expect((after.asked - after.made) - (before.asked - before.made) >= frames, "\(before) → \(after) for \(frames) frames")

        var integrity = ""
        try reader.execute("PRAGMA integrity_check", binds: []) { row in
            if case .text(let result) = row.values[0] { integrity = result }
        }
        #expect(integrity == "ok")
        reader.close()
        writer.close()
        // All of it is there for a new connection once the last one closed (and checkpointed).
        let reopened = try SQLiteHandle(path: path, bufferingWAL: false)
        defer { reopened.close() }
        var count = 0
        try reopened.execute("SELECT COUNT(*) FROM chunks", binds: []) { row in
            if case .integer(let n) = row.values[0] { count = n }
        }
        #expect(count == rows)
    }
}
