import Foundation
@testable import PlatformEvents
import SQLKit
import Synchronization
import Testing
import TestSupport

/// Consumers decode the payloads of the events they handle before the transaction that applies
/// them, so `decode` inside the transaction parses nothing.
@Suite("Event payloads decoded ahead")
struct DecodingAheadTests {
    /// A ping whose decodings are counted by number (tests running at once use other numbers).
    struct CountedPing: DomainEvent {
        static let type = Ping.type
        static let decodings = Mutex<[Int: Int]>([:])
        let number: Int
        var aggregateID: String { "ping-\(number)" }

        init(from decoder: any Decoder) throws {
            let number = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .number)
            Self.decodings.withLock { $0[number, default: 0] += 1 }
            self.number = number
        }

        static func decodings(of number: Int) -> Int { decodings.withLock { $0[number] ?? 0 } }
    }

    /// Records the pings it applies, with how many times each payload had been parsed before
    /// and after the handler (in the consumer's transaction) decoded it.
    final class CountingHandler: EventHandler, Sendable {
        let name: String
        let handledEvents: [any DomainEvent.Type] = [CountedPing.self]
        let applied = Mutex<[(number: Int, parsedBefore: Int, parsedAfter: Int)]>([])

        init(name: String = "decoding-ahead") {
            self.name = name
        }

        func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
            let number = Int(event.aggregateID?.dropFirst("ping-".count) ?? "") ?? -1
            let before = CountedPing.decodings(of: number)
            let ping = try event.decode(CountedPing.self)
            applied.withLock { $0.append((ping.number, before, CountedPing.decodings(of: number))) }
        }
    }

    @Test
    func anEnvelopeDecodedAheadIsNotParsedAgain() throws {
        let envelope = EventEnvelope(position: .start, id: UUID().uuidString, type: Ping.type, version: 1, payload: #"{"number":4}"#, occurredAt: Date())
        let ahead = envelope.decodingAhead(as: CountedPing.self)
        #expect(try ahead.decode(CountedPing.self).number == 4)
        #expect(try ahead.decode(CountedPing.self).number == 4)
        #expect(CountedPing.decodings(of: 4) == 1, "parsed once, ahead")
        #expect(try envelope.decode(CountedPing.self).number == 4)
        #expect(CountedPing.decodings(of: 4) == 2, "the envelope as read parses when asked")
        // Another type than the one decoded ahead is parsed as before.
        #expect(try ahead.decode(Ping.self) == Ping(number: 4))
    }

    /// A ping that says it decodes to itself, its decodings counted like `CountedPing`'s.
    struct KeptPing: DomainEvent {
        static let type = "kept-ping"
        static let decodesToItself = true
        static let decodings = Mutex<Int>(0)
        let number: Int
        var aggregateID: String { "kept-\(number)" }

        init(number: Int) { self.number = number }

        init(from decoder: any Decoder) throws {
            number = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .number)
            Self.decodings.withLock { $0 += 1 }
        }
    }

    @Test
    func anEventEncodedHereThatDecodesToItselfReachesConsumersUnparsed() throws {
        let encoded = try EncodedEvent(KeptPing(number: 7))
        let envelope = EventEnvelope(
            position: .start, id: encoded.id, type: KeptPing.type, version: 1, payload: encoded.payload, occurredAt: Date())
        #expect(try envelope.decodingAhead(as: KeptPing.self).decode(KeptPing.self).number == 7)
        #expect(KeptPing.decodings.withLock { $0 } == 0, "handed over as appended")
        // Read elsewhere (another process, say), the same payload is parsed.
        let elsewhere = EventEnvelope(
            position: .start, id: UUID().uuidString, type: KeptPing.type, version: 1, payload: encoded.payload, occurredAt: Date())
        #expect(try elsewhere.decodingAhead(as: KeptPing.self).decode(KeptPing.self).number == 7)
        #expect(KeptPing.decodings.withLock { $0 } == 1)
    }

    @Test
    func aPayloadThatDoesNotDecodeFailsWhenTheHandlerDecodesIt() {
        let envelope = EventEnvelope(position: .start, id: UUID().uuidString, type: Ping.type, version: 1, payload: #"{"n":1}"#, occurredAt: Date())
        let ahead = envelope.decodingAhead(as: CountedPing.self)
        #expect(throws: DecodingError.self) { try ahead.decode(CountedPing.self) }
    }

    @Test
    func recentPayloadsAreParsedOnceAndTheOldestGivesWay() throws {
        let recent = RecentPayloads(capacity: 2)
        let events = (10...12).map {
            EventEnvelope(position: .start, id: UUID().uuidString, type: Ping.type, version: 1, payload: #"{"number":\#($0)}"#, occurredAt: Date())
        }
        for _ in 0..<3 { _ = events[0].decodingAhead(as: CountedPing.self, from: recent) }
        #expect(CountedPing.decodings(of: 10) == 1, "parsed once for three consumers")
        #expect(try events[0].decodingAhead(as: CountedPing.self, from: recent).decode(CountedPing.self).number == 10)
        _ = events[1].decodingAhead(as: CountedPing.self, from: recent)
        _ = events[2].decodingAhead(as: CountedPing.self, from: recent)
        #expect(recent.count == 2)
        _ = events[0].decodingAhead(as: CountedPing.self, from: recent)
        #expect(CountedPing.decodings(of: 10) == 2, "the oldest gave way and is parsed again")
        #expect(CountedPing.decodings(of: 12) == 1)
    }

    @Test(arguments: TestEngine.allCases)
    func twoConsumersOfAnEventParseItOnce(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            let numbers = engine == .sqlite ? Array(301...304) : Array(401...404)
            try await publish(platform, numbers)
            let first = CountingHandler(name: "decoding-ahead.first")
            let second = CountingHandler(name: "decoding-ahead.second")
            let service = EventConsumerService(
                handlers: [first, second], database: platform.database, clock: platform.clock, logger: platform.logger)
            for handler in [first, second] {
                try await waitUntil("all four events") {
                    try await service.drainOnce(handler)
                    return handler.applied.withLock { $0.count } >= 4
                }
            }
            #expect(second.applied.withLock { $0.map(\.number) } == numbers)
            #expect(numbers.map(CountedPing.decodings(of:)) == [1, 1, 1, 1])
        }
    }

    @Test(arguments: TestEngine.allCases)
    func consumersParseNothingInsideTheirTransaction(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            let numbers = engine == .sqlite ? Array(101...106) : Array(201...206)
            try await publish(platform, numbers)
            let handler = CountingHandler()
            let service = EventConsumerService(handlers: [handler], database: platform.database, clock: platform.clock, logger: platform.logger)
            try await waitUntil("all six events") {
                try await service.drainOnce(handler)
                return handler.applied.withLock { $0.count } >= 6
            }
            let applied = handler.applied.withLock { $0 }
            #expect(applied.map(\.number) == numbers)
            #expect(applied.map(\.parsedBefore) == Array(repeating: 1, count: 6), "parsed before the transaction")
            #expect(applied.map(\.parsedAfter) == Array(repeating: 1, count: 6), "and not again in it")
        }
    }
}
