import Foundation
import Platform
@testable import PlatformEvents
import SQLKit
import Synchronization
import Testing
import TestSupport

/// A consumer that followed the database log, then reads its events from a transport (Kafka,
/// which starts a new consumer group at its earliest offset and so hands it every event again).
@Suite("Moving a consumer from the log to a transport")
struct TransportSwitchTests {
    /// Hands out the same events on every `next` until they are acknowledged, as a consumer
    /// group does with uncommitted offsets.
    final class ReplayingSubscription: EventSubscription {
        private let events: Mutex<[EventEnvelope]>

        init(_ events: [EventEnvelope]) { self.events = Mutex(events) }

        func next(limit: Int, timeout: Duration) async throws -> [EventEnvelope] { events.withLock { Array($0.prefix(limit)) } }
        func acknowledge() async throws { events.withLock { $0 = [] } }
        func close() async {}
    }

    /// The event as a transport delivers it: no log position.
    static func delivered(_ event: EventEnvelope) -> EventEnvelope {
        EventEnvelope(
            position: .start, id: event.id, type: event.type, version: event.version, payload: event.payload, occurredAt: event.occurredAt,
            aggregateID: event.aggregateID)
    }

    static func recordedIDs(_ platform: PlatformContext, consumer: String = "recorder") async throws -> Int {
        try await platform.database.read { db in
            try await db.raw("SELECT count(*) AS n FROM processed_events WHERE consumer = \(bind: consumer)").first()!.decode(column: "n", as: Int.self)
        }
    }

    @Test(arguments: TestEngine.allCases, [false, true])
    func eventsAppliedWhileFollowingTheLogAreNotAppliedAgain(engine: TestEngine, recording: Bool) async throws {
        try await withPlatform(engine) { platform in
            try await createPingTable(platform)
            let handler = RecordingHandler()
            let following = EventConsumerService(
                handlers: [handler], database: platform.database, clock: platform.clock, recordsAppliedEvents: recording,
                logger: platform.logger)
            try await publish(platform, 1...5)
            try await waitUntil("the first five, from the log") {
                _ = try await following.drainOnce(handler)
                return try await pings(platform).count >= 5
            }
            // The stored position is the record; the ids are written only when asked for.
            #expect(try await Self.recordedIDs(platform) == (recording ? 5 : 0))

            try await publish(platform, 6...7)
            // On PostgreSQL the log shows a transaction once none older is running.
            var logged: [EventEnvelope] = []
            try await waitUntil("all seven in the log") {
                logged = try await platform.events.read(after: .start).filter { $0.type == Ping.type }
                return logged.count == 7
            }
            // An event of another log (another deployment's, on a shared broker) has no position
            // here, and nothing keeps it from applying.
            let foreign = EventEnvelope(
                position: .start, id: UUID().uuidString.lowercased(), type: Ping.type, version: 1, payload: #"{"number":99}"#,
                occurredAt: Date())
            let subscription = ReplayingSubscription(logged.map(Self.delivered) + [foreign])
            let reading = EventConsumerService(
                handlers: [handler], database: platform.database, clock: platform.clock, recordsAppliedEvents: recording,
                logger: platform.logger)
            // The transport's lag counts only the two the consumer never passed.
            #expect(try await reading.unapplied(by: handler).count == 2)

            let feed = TransportFeed(subscription: subscription)
            _ = try await reading.drainOnce(handler, from: feed)
            #expect(try await pings(platform) == [1, 2, 3, 4, 5, 6, 7, 99])
            #expect(handler.calls == 8)
            #expect(try await reading.unapplied(by: handler).count == 0)

            // Delivered once more (an acknowledgement lost): nothing applies again.
            let again = TransportFeed(subscription: ReplayingSubscription(logged.map(Self.delivered) + [foreign]))
            _ = try await reading.drainOnce(handler, from: again)
            #expect(try await pings(platform) == [1, 2, 3, 4, 5, 6, 7, 99])
            #expect(handler.calls == 8)
        }
    }
}
