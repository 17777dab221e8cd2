import Foundation
import Logging
import PlatformDatabase
@testable import PlatformEvents
@testable import PlatformHTTP
import SQLKit
import Synchronization
import Testing
import TestSupport

@Suite("Event log and consumers")
struct EventLogTests {
    @Test(arguments: TestEngine.allCases)
    func eventsAreAppliedOnceInOrder(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            try await createPingTable(platform)
            try await publish(platform, 1...5)
            let handler = RecordingHandler()
            let service = EventConsumerService(
                handlers: [handler], database: platform.database, clock: platform.clock, logger: platform.logger)
            // On PostgreSQL an event is read only once no older transaction in its database is still
            // open (so none can commit "behind" it).
            var applied = 0
            let deadline = ContinuousClock.now + .seconds(15)
            while applied < 5, ContinuousClock.now < deadline {
                applied += try await service.drainOnce(handler)
                if applied < 5 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(applied == 5)
            #expect(try await service.drainOnce(handler) == 0)
            #expect(try await pings(platform) == [1, 2, 3, 4, 5])
        }
    }

    /// On PostgreSQL a batch is three times SQLite's (see `EventConsumerService.defaultBatchSize`).
    @Test(arguments: TestEngine.allCases)
    func aBatchIsAsLargeAsTheEngineAffords(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            try await createPingTable(platform)
            _ = try await platform.database.transaction { db in
                try await platform.events.append(contentsOf: (1...400).map { Ping(number: $0) }, on: db)
            }
            let handler = RecordingHandler()
            let service = EventConsumerService(
                handlers: [handler], database: platform.database, clock: platform.clock, logger: platform.logger)
            try await waitUntil("the events are readable") { try await platform.events.read(after: .start, limit: 1000).count == 400 }
            #expect(try await service.drainOnce(handler) == (engine == .postgres ? 300 : 100))
        }
    }

    @Test(arguments: TestEngine.allCases)
    func rolledBackChangesPublishNothing(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await platform.database.transaction { db in
                    try await platform.events.append(Ping(number: 1), on: db)
                    throw Abort()
                }
            }
            let events = try await platform.events.read(after: .start)
            #expect(events.isEmpty)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func twoInstancesOfOneConsumerApplyEachEventOnce(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            try await createPingTable(platform)
            try await publish(platform, 1...30)
            let first = RecordingHandler()
            let second = RecordingHandler()
            let a = EventConsumerService(handlers: [first], database: platform.database, clock: platform.clock, logger: platform.logger)
            let b = EventConsumerService(handlers: [second], database: platform.database, clock: platform.clock, logger: platform.logger)
            try await waitUntil("all thirty events") {
                async let x = a.drainOnce(first)
                async let y = b.drainOnce(second)
                _ = try await (x, y)
                return try await pings(platform).count >= 30
            }
            #expect(try await pings(platform) == Array(1...30))
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aConsumerBehindTheStoredPositionAppliesNothingTwice(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            try await createPingTable(platform)
            let handler = RecordingHandler()
            let service = EventConsumerService(handlers: [handler], database: platform.database, clock: platform.clock, logger: platform.logger)
            try await publish(platform, 1...5)
            try await waitUntil("the first five") {
                try await service.drainOnce(handler)
                return try await pings(platform).count >= 5
            }
            try await publish(platform, 6...8)
            // As an instance that last saw the log at its start: it reads all eight, and its
            // batch must find that the position moved past the first five.
            var position: EventPosition? = .start
            try await waitUntil("the next three") {
                _ = try await service.drainOnce(handler, from: &position)
                return try await pings(platform).count >= 8
            }
            #expect(try await pings(platform) == Array(1...8))
            #expect(try await position == ConsumerPositions.position(of: handler.name, database: platform.database))
        }
    }

    @Test(arguments: TestEngine.allCases, [false, true])
    func aBatchMovesThePositionOnlyFromWhereItWas(engine: TestEngine, recording: Bool) async throws {
        try await withPlatform(engine) { platform in
            let database = platform.database
            let start = EventPosition(transaction: 0, sequence: 0)
            let first = EventPosition(transaction: 1, sequence: 5)
            let second = EventPosition(transaction: 2, sequence: 1)
            func move(from expected: EventPosition, to next: EventPosition, ids: [String]) async throws -> Set<String>? {
                try await database.transaction { db in
                    try await ConsumerPositions.markProcessed(
                        consumer: "mover", eventIDs: ids, advancingFrom: expected, to: next, recording: recording, on: db,
                        engine: database.engine)
                }
            }
            func recorded() async throws -> Int {
                try await database.read { db in
                    try await db.raw("SELECT count(*) AS n FROM processed_events WHERE consumer = 'mover'").first()!.decode(column: "n", as: Int.self)
                }
            }
            // No row yet: nothing moves and nothing is recorded.
            #expect(try await move(from: start, to: first, ids: ["a"]) == nil)
            #expect(try await recorded() == 0)
            _ = try await database.transaction { db in try await ConsumerPositions.lock("mover", on: db, engine: database.engine) }

            #expect(try await move(from: start, to: first, ids: ["a", "b"]) == ["a", "b"])
            #expect(try await ConsumerPositions.position(of: "mover", database: database) == first)
            // From where it no longer is: nothing moves and nothing is recorded.
            #expect(try await move(from: start, to: second, ids: ["c"]) == nil)
            #expect(try await recorded() == (recording ? 2 : 0))
            #expect(try await ConsumerPositions.position(of: "mover", database: database) == first)
            // Moved, with every id known already: an empty set when the ids are recorded, not
            // nil; without them the position is the record, and all of the batch is new.
            #expect(try await move(from: first, to: second, ids: ["a"]) == (recording ? [] : ["a"]))
            #expect(try await ConsumerPositions.position(of: "mover", database: database) == second)
        }
    }

    /// Changes nothing for any event, and says so: of each event, or only of the whole batch.
    final class InertHandler: EventHandler, @unchecked Sendable {
        let name = "inert"
        let handledEvents: [any DomainEvent.Type] = [Ping.self]
        let judgesBatches: Bool
        private let lock = NSLock()
        private var _calls = 0
        var calls: Int { lock.withLock { _calls } }

        init(judgesBatches: Bool) { self.judgesBatches = judgesBatches }

        func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws { lock.withLock { _calls += 1 } }
        func acts(on event: EventEnvelope) -> Bool { judgesBatches }
        func acts(onBatch events: [EventEnvelope], committed database: any Database) async throws -> Bool { false }
    }

    @Test(arguments: TestEngine.allCases, [false, true])
    func aBatchTheHandlerWouldNotChangeIsRecordedWithoutIt(engine: TestEngine, judgesBatches: Bool) async throws {
        try await withPlatform(engine) { platform in
            let handler = InertHandler(judgesBatches: judgesBatches)
            let service = EventConsumerService(handlers: [handler], database: platform.database, clock: platform.clock, logger: platform.logger)
            try await publish(platform, 1...3)
            // The consumer's row exists once it has been locked (its first batch ever makes it).
            _ = try await platform.database.transaction { db in try await ConsumerPositions.lock(handler.name, on: db, engine: platform.database.engine) }
            var applied = 0
            try await waitUntil("all three") {
                applied += try await service.drainOnce(handler)
                return applied >= 3
            }
            #expect(applied == 3)
            #expect(handler.calls == 0)
            @Sendable func recorded() async throws -> Int {
                try await platform.database.read { db in
                    try await db.raw("SELECT count(*) AS n FROM processed_events WHERE consumer = 'inert'").first()!.decode(column: "n", as: Int.self)
                }
            }
            // The moved position is the record; no ids are written unless asked for.
            #expect(try await recorded() == 0)
            let last = try #require(try await platform.events.read(after: .start).last?.position)
            #expect(try await ConsumerPositions.position(of: handler.name, database: platform.database) == last)
            // Read again from the start, as a stale instance: the batch finds the position moved
            // past it, and nothing is recorded or handled again.
            var stale: EventPosition? = .start
            _ = try await service.drainOnce(handler, from: &stale)
            #expect(stale == last)
            #expect(handler.calls == 0)
            #expect(try await recorded() == 0)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func failingEventsAreRetriedThenParkedAndReplayable(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            try await createPingTable(platform)
            let handler = RecordingHandler(failing: true)
            let service = EventConsumerService(
                handlers: [handler], database: platform.database, clock: platform.clock,
                retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20)),
                pollInterval: .milliseconds(50),
                logger: platform.logger)
            let running = Task { try await service.run() }
            defer { running.cancel() }
            try await publish(platform, [7])
            let store = DeadLetterStore(database: platform.database, clock: platform.clock)
            try await waitUntil("the event to be parked") { try await store.count() == 1 }
            #expect(handler.calls == 3)

            // The consumer moved on: a later event is applied while the first stays parked.
            handler.failing = false
            try await publish(platform, [8])
            try await waitUntil("the next event") { try await pings(platform) == [8] }

            let letter = try #require(try await store.list(limit: 10).first)
            #expect(letter.eventType == Ping.type)
            #expect(letter.attempts == 3)
            try await service.replay(deadLetterID: letter.id)
            #expect(try await pings(platform) == [7, 8])
            #expect(try await store.count() == 0)
            // Replaying again finds nothing.
            await #expect(throws: Problem.self) { try await service.replay(deadLetterID: letter.id) }
        }
    }

    /// Fails every event twice before applying it.
    final class FailsTwice: EventHandler, @unchecked Sendable {
        let name = "recorder"
        let handledEvents: [any DomainEvent.Type] = [Ping.self]
        private let lock = NSLock()
        private var attempts: [String: Int] = [:]

        func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
            let attempt = lock.withLock { () -> Int in
                attempts[event.id, default: 0] += 1
                return attempts[event.id]!
            }
            if attempt <= 2 { throw RecordingHandler.TestFailure() }
            try await db.raw("INSERT INTO pings (consumer, number) VALUES ('recorder', \(bind: try event.decode(Ping.self).number))").run()
        }
    }

    @Test(arguments: TestEngine.allCases)
    func attemptsAreCountedPerEvent(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            try await createPingTable(platform)
            let service = EventConsumerService(
                handlers: [FailsTwice()], database: platform.database, clock: platform.clock,
                retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)),
                pollInterval: .milliseconds(50),
                logger: platform.logger)
            try await publish(platform, 1...4)
            let running = Task { try await service.run() }
            defer { running.cancel() }
            try await waitUntil("all four events") { try await pings(platform) == [1, 2, 3, 4] }
            #expect(try await DeadLetterStore(database: platform.database, clock: platform.clock).count() == 0)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func consumersWakeRightAfterACommit(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            try await createPingTable(platform)
            let handler = RecordingHandler()
            // A poll interval far beyond the wait below: only the commit signal can wake it.
            let service = EventConsumerService(
                handlers: [handler], database: platform.database, clock: platform.clock, pollInterval: .seconds(60), logger: platform.logger
            )
            let running = Task { try await service.run() }
            defer { running.cancel() }
            try await Task.sleep(for: .milliseconds(200))
            try await publish(platform, [42])
            try await waitUntil("the woken consumer", timeout: .seconds(15)) { try await pings(platform) == [42] }
        }
    }

    /// Notes the write priority its transactions run with.
    final class PriorityHandler: EventHandler, Sendable {
        let name = "priority"
        let handledEvents: [any DomainEvent.Type] = [Ping.self]
        let seen = Mutex<[WritePriority]>([])

        func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws { seen.withLock { $0.append(WritePriority.current) } }
    }

    /// Consumers only have to keep up: on SQLite their batches wait while requests' transactions
    /// are queued (`WriteQueue`).
    @Test(arguments: TestEngine.allCases)
    func consumersWriteAsBackgroundWork(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            let handler = PriorityHandler()
            let service = EventConsumerService(
                handlers: [handler], database: platform.database, clock: platform.clock, pollInterval: .milliseconds(50),
                logger: platform.logger)
            let running = Task { try await service.run() }
            defer { running.cancel() }
            try await publish(platform, [1])
            try await waitUntil("the event applied") { !handler.seen.withLock { $0 }.isEmpty }
            #expect(handler.seen.withLock { $0 } == [.background])
            #expect(WritePriority.current == .request)
        }
    }

    @Test func retryBackoffIsExponentialAndCapped() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        #expect(policy.delay(afterAttempt: 1) == .milliseconds(100))
        #expect(policy.delay(afterAttempt: 2) == .milliseconds(200))
        #expect(policy.delay(afterAttempt: 4) == .milliseconds(800))
        #expect(policy.delay(afterAttempt: 5) == .seconds(1))
        #expect(policy.delay(afterAttempt: 50) == .seconds(1))
    }
}
