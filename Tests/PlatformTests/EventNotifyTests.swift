import Foundation
@testable import PlatformDatabase
@testable import PlatformEvents
import SQLKit
import Synchronization
import Testing
import TestSupport

/// On PostgreSQL other processes learn of appended events from the event log's trigger: a
/// commit NOTIFYs the types it appended, a rolled-back transaction nothing.
@Suite("Event notifications on PostgreSQL")
struct EventNotifyTests {
    struct Pong: DomainEvent, Equatable {
        static let type = "test.pong"
        let number: Int
        var aggregateID: String { "pong-\(number)" }
    }

    @Test func aCommitNotifiesTheTypesItAppendedAndARollbackNothing() async throws {
        try await withPlatform(.postgres) { platform in
            let database = try #require(platform.database as? PostgresBackend)
            let received = Mutex<[String]>([])
            let listener = Task {
                try await database.listen(channel: ChangeSignal.eventChannel) { payload in received.withLock { $0.append(payload) } }
            }
            defer { listener.cancel() }
            // LISTEN takes a moment: append until the first notification arrives.
            try await waitUntil("the listener to hear a commit") {
                try await platform.database.transaction { db in try await platform.events.append(Ping(number: 0), on: db) }
                return !received.withLock { $0.isEmpty }
            }
            received.withLock { $0 = [] }

            await #expect(throws: RecordingHandler.TestFailure.self) {
                try await platform.database.transaction { db in
                    try await platform.events.append(Pong(number: 9), on: db)
                    throw RecordingHandler.TestFailure()
                }
            }
            try await platform.database.transaction { db in
                try await platform.events.append(Ping(number: 1), on: db)
                try await platform.events.append(Pong(number: 1), on: db)
                try await platform.events.append(Ping(number: 2), on: db)
            }
            try await waitUntil("both types to be heard") {
                Set(received.withLock { $0 }.flatMap { $0.split(separator: ",").map(String.init) }) == ["test.ping", "test.pong"]
            }
            // The rolled-back Pong was never heard: notifications arrive in commit order, so one
            // from the rollback would have come before the commit's. (A late Ping of the warm-up
            // may still arrive; Pong is only ever appended here.)
            #expect(received.withLock { $0 }.filter { $0.split(separator: ",").contains("test.pong") }.count == 1, "\(received.withLock { $0 })")
        }
    }
}
