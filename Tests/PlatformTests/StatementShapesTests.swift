import Foundation
@testable import PlatformDatabase
@testable import PlatformEvents
import SQLKit
import Testing
import TestSupport

/// Batch statements come in a few shapes (`DatabaseEngine.statementRuns`, `paddedForInList`),
/// so that SQLite keeps them prepared; what they write and return must not change.
@Suite("Statement shapes")
struct StatementShapesTests {
    @Test(arguments: [1, 5, 64, 300, 500])
    func sqliteRunsArePowersOfTwoThatCoverTheBatchInOrder(limit: Int) {
        var lengths = Set<Int>()
        for count in 0...700 {
            let runs = DatabaseEngine.sqlite.statementRuns(of: count, atMost: limit)
            #expect(runs.first?.lowerBound ?? 0 == 0)
            #expect(runs.last?.upperBound ?? 0 == count)
            #expect(zip(runs, runs.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && $0.count >= $1.count })
            for run in runs {
                #expect(run.count.nonzeroBitCount == 1 && run.count <= limit, "run of \(run.count) in \(count) rows")
                lengths.insert(run.count)
            }
        }
        // One text per power of two up to the limit, whatever the batch sizes.
        #expect(lengths.count == Int.bitWidth - limit.leadingZeroBitCount)
    }

    @Test
    func postgresRunsAreOneStatementPerLimit() {
        #expect(DatabaseEngine.postgres.statementRuns(of: 0, atMost: 300).isEmpty)
        #expect(DatabaseEngine.postgres.statementRuns(of: 100, atMost: 300) == [0..<100])
        #expect(DatabaseEngine.postgres.statementRuns(of: 700, atMost: 300) == [0..<300, 300..<600, 600..<700])
    }

    @Test
    func inListsArePaddedToAPowerOfTwoWithTheirLastValue() {
        #expect([Int]().paddedForInList() == [])
        #expect([7].paddedForInList() == [7])
        #expect([1, 2].paddedForInList() == [1, 2])
        #expect([1, 2, 3].paddedForInList() == [1, 2, 3, 3])
        #expect(Array(1...5).paddedForInList() == [1, 2, 3, 4, 5, 5, 5, 5])
        for count in 1...600 {
            let padded = Array(0..<count).paddedForInList()
            #expect(padded.count.nonzeroBitCount == 1 && padded.count >= count && padded.count < 2 * count)
            #expect(Array(padded.prefix(count)) == Array(0..<count) && Set(padded) == Set(0..<count))
        }
    }

    /// 100 ids, some recorded before: SQLite records them in runs of 64, 32 and 4 rows, and the
    /// answer is still exactly the ids that were new, each recorded once.
    @Test(arguments: TestEngine.allCases)
    func aBatchRecordedInRunsAnswersWithExactlyItsNewIDs(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            let database = platform.database
            let ids = (0..<100).map { String(format: "event-%03d", $0) }
            let earlier = ids.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
            func record(_ ids: [String]) async throws -> Set<String> {
                try await database.transaction { db in
                    try await ConsumerPositions.markProcessed(consumer: "runs", eventIDs: ids, on: db, engine: database.engine)
                }
            }
            #expect(try await record([]).isEmpty)
            #expect(try await record(earlier) == Set(earlier))
            #expect(try await record(ids) == Set(ids).subtracting(earlier))
            #expect(try await record(ids).isEmpty)
            let stored = try await database.read { db in
                try await db.raw("SELECT event_id FROM processed_events WHERE consumer = 'runs' ORDER BY event_id").all()
                    .map { try $0.decode(column: "event_id", as: String.self) }
            }
            #expect(stored == ids)
        }
    }

    /// 100 rows in one INSERT on PostgreSQL, three on SQLite (64 + 32 + 4): every one stored once.
    @Test(arguments: TestEngine.allCases)
    func batchInsertsStoreEveryRow(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            let database = platform.database
            let rows = (0..<100).map { [SQLBind($0), SQLBind("row \($0)")] as [any SQLExpression] }
            let inserts = database.engine.inserts(into: "shapes", columns: ["n", "label"], rows: rows, atMost: 300)
            #expect(inserts.count == (database.engine == .sqlite ? 3 : 1))
            try await database.transaction { db in
                try await db.raw("CREATE TABLE shapes (n INTEGER NOT NULL, label TEXT NOT NULL)").run()
                for insert in inserts { try await db.raw(insert).run() }
            }
            let stored = try await database.read { db in
                try await db.raw("SELECT n, label FROM shapes ORDER BY n").all().map {
                    "\(try $0.decode(column: "n", as: Int.self)) \(try $0.decode(column: "label", as: String.self))"
                }
            }
            #expect(stored == (0..<100).map { "\($0) row \($0)" })
        }
    }

    /// Without the query planner stability guarantee, SQLite re-prepares a statement like the
    /// consumers' event log read whenever the value bound to `type` changes.
    @Test
    func aNewBoundValueDoesNotMakeSQLitePrepareTheStatementAgain() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bazaar-qpsg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let handle = try SQLiteHandle(path: directory.appendingPathComponent("plans.sqlite").path)
        defer { handle.close() }
        try handle.execute("CREATE TABLE log (id INTEGER PRIMARY KEY, type TEXT NOT NULL)", binds: []) { _ in }
        try handle.execute("CREATE INDEX log_type ON log (type, id)", binds: []) { _ in }
        try handle.execute("INSERT INTO log (type) VALUES ('a'), ('b'), ('a'), ('c')", binds: []) { _ in }
        let read = "SELECT id FROM log WHERE type = ?1 AND id > ?2 ORDER BY id"
        var found: [Int] = []
        for (type, after) in [("a", 0), ("b", 0), ("a", 1), ("c", 2), ("b", 5)] {
            var ids: [Int] = []
            try handle.execute(read, binds: [.text(type), .integer(after)]) { row in
                if case .integer(let id) = row.values[0] { ids.append(id) }
            }
            found.append(ids.count)
        }
        #expect(found == [2, 1, 1, 1, 0])
        #expect(handle.reprepares(of: read) == 0)
    }
}
