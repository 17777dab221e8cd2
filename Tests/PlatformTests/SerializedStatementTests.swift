import Foundation
@testable import PlatformDatabase
@testable import PlatformEvents
import SQLKit
import Testing
import TestSupport

/// Statements serialized before their transaction (the SQLite order placement makes its four
/// that way) must run exactly as the statements they were made from.
@Suite("Statements serialized ahead")
struct SerializedStatementTests {
    @Test(arguments: TestEngine.allCases)
    func aSerializedStatementWritesItsBindsAndTellsWhetherItReturnedARow(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            try await platform.database.transaction { db in
                try await db.raw("CREATE TABLE claims (key TEXT PRIMARY KEY, amount BIGINT NOT NULL, note TEXT)").run()
            }
            let note: String? = nil
            let claim = try platform.database.serialize(
                SQLQueryString(
                    "INSERT INTO claims (key, amount, note) VALUES (\(bind: "k-1"), \(bind: Int64(1) << 40), \(bind: note)) ON CONFLICT DO NOTHING RETURNING key"
                ))
            let append = try platform.events.prepareAppend([try EncodedEvent(Ping(number: 7))])

            let first = try await platform.database.transaction { db in
                let claimed = try await claim.returnsRow(on: db)
                try await platform.events.append(append, on: db)
                return claimed
            }
            let second = try await platform.database.transaction { db in try await claim.returnsRow(on: db) }
            #expect(first)
            #expect(!second, "the key was taken by the first run of the same statement")

            let rows = try await platform.database.read { db in
                try await db.raw("SELECT key, amount, note FROM claims").all().map {
                    (try $0.decode(column: "key", as: String.self), try $0.decode(column: "amount", as: Int64.self),
                     try $0.decode(column: "note", as: String?.self))
                }
            }
            #expect(rows.count == 1)
            #expect(rows.first?.0 == "k-1" && rows.first?.1 == Int64(1) << 40 && rows.first?.2 == nil)
            try await waitUntil("the prepared event is in the log", timeout: .seconds(30)) {
                try await platform.events.read(after: .start).contains { $0.type == Ping.type }
            }
        }
    }
}
