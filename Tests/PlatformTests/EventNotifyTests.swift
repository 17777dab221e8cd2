import Foundation
@testable import PlatformDatabase
@testable import PlatformEvents
import SQLKit
import Synchronization
import Testing
import TestSupport

/// On PostgreSQL a process announces what its commits did (`CommitAnnouncer`): other processes
/// hear the event types a commit appended, and nothing of a rolled-back transaction; the
/// announcing process passes over its own.
@Suite("Commit announcements on PostgreSQL")
struct EventNotifyTests {
    struct Pong: DomainEvent, Equatable {
        static let type = "test.pong"
        let number: Int
        var aggregateID: String { "pong-\(number)" }
    }

    /// Records what a backend's listener passes on.
    final class Heard: Sendable {
        private let topics = Mutex<[Set<String>?]>([])
        var all: [Set<String>?] { topics.withLock { $0 } }
        var union: Set<String> { Set(all.compactMap { $0 }.flatMap { $0 }) }
        func record(_ heard: Set<String>?) { topics.withLock { $0.append(heard) } }
        func clear() { topics.withLock { $0 = [] } }
    }

    @Test func anotherProcessHearsTheTypesACommitAppendedAndNothingOfARollback() async throws {
        try await withPlatform(.postgres) { platform in
            let here = try #require(platform.database as? PostgresBackend)
            // Another process on the same database: a backend of its own on the same pool.
            let elsewhere = PostgresBackend(client: here.client, logger: platform.logger)
            let heardElsewhere = Heard()
            let heardHere = Heard()
            let listeners = [
                Task { try await elsewhere.listenForOtherProcesses(heardElsewhere.record) },
                Task { try await here.listenForOtherProcesses(heardHere.record) },
            ]
            defer { for listener in listeners { listener.cancel() } }
            // LISTEN takes a moment: append until the first announcement is heard.
            try await waitUntil("the other process to hear a commit") {
                _ = try await platform.database.transaction { db in try await platform.events.append(Ping(number: 0), on: db) }
                return !heardElsewhere.all.isEmpty
            }
            heardElsewhere.clear()

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
            try await waitUntil("both types to be heard") { heardElsewhere.union == ["test.ping", "test.pong"] }
            // The rolled-back Pong was never announced: announcements go out in commit order, so
            // one for the rollback would have come first. (A late Ping of the warm-up may still
            // arrive; Pong is only ever appended here.)
            #expect(heardElsewhere.all.filter { $0?.contains("test.pong") == true }.count == 1, "\(heardElsewhere.all)")

            // Queued work is announced too, so that workers elsewhere wake.
            try await platform.database.transaction { _ in TransactionEffects.workQueued() }
            try await waitUntil("the queued work to be heard") { heardElsewhere.union.contains(ChangeSignal.jobs) }
            // Everything heard here came from the other backend, which committed nothing.
            #expect(heardHere.all.isEmpty, "\(heardHere.all)")
        }
    }
}

@Suite("Commit announcer")
struct CommitAnnouncerTests {
    /// A sender that holds each send until released, and records the payloads.
    final class HeldSender: Sendable {
        private let state = Mutex<(payloads: [String], held: [CheckedContinuation<Void, Never>])>(([], []))
        var payloads: [String] { state.withLock { $0.payloads } }
        var waiting: Int { state.withLock { $0.held.count } }

        func send(_ payload: String) async {
            await withCheckedContinuation { continuation in
                state.withLock {
                    $0.payloads.append(payload)
                    $0.held.append(continuation)
                }
            }
        }

        func releaseAll() {
            for continuation in state.withLock({ state -> [CheckedContinuation<Void, Never>] in
                defer { state.held = [] }
                return state.held
            }) { continuation.resume() }
        }
    }

    @Test func whatCommitsWhileOneIsOnItsWayGoesOutTogetherInTheNext() async throws {
        let sender = HeldSender()
        let announcer = CommitAnnouncer(spacing: .zero, send: sender.send)
        announcer.announce(["order.placed"])
        try await waitUntil("the first send") { sender.waiting == 1 }
        announcer.announce(["stock.reserved"])
        announcer.announce(["order.placed", ChangeSignal.jobs])
        announcer.announce(["stock.reserved"])
        #expect(sender.payloads.count == 1)
        sender.releaseAll()
        try await waitUntil("the second send") { sender.waiting == 1 }
        sender.releaseAll()
        let origin = announcer.origin
        #expect(sender.payloads == ["\(origin)|order.placed", "\(origin)|jobs,order.placed,stock.reserved"])
        // Nothing more was pending: no third send, and the next announcement starts one again.
        announcer.announce(["stock.released"])
        try await waitUntil("a new send") { sender.payloads.count == 3 }
        sender.releaseAll()
        #expect(sender.payloads.last == "\(origin)|stock.released")
    }

    @Test func aListenerPassesOverItsOwnAnnouncements() {
        let payload = CommitAnnouncer.payload(origin: "here", topics: ["b", "a"])
        #expect(payload == "here|a,b")
        #expect(CommitAnnouncer.topics(in: payload, unlessFrom: "here") == nil)
        #expect(CommitAnnouncer.topics(in: payload, unlessFrom: "elsewhere") == ["a", "b"])
        #expect(CommitAnnouncer.topics(in: "elsewhere|", unlessFrom: "here") == [])
        // A payload of the earlier form, topics alone (the event log's trigger).
        #expect(CommitAnnouncer.topics(in: "a,b", unlessFrom: "here") == ["a", "b"])
    }
}
