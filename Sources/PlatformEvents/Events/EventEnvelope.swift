public import Foundation

/// Where an event sits in the log. On PostgreSQL events are ordered by the id of the writing
/// transaction first, and only transactions older than every running one are read, so a
/// consumer never skips an event whose transaction commits late. SQLite has one writer, so
/// `transaction` is always 0 there and `sequence` alone orders the log.
public struct EventPosition: Sendable, Comparable, Hashable, Codable {
    public let transaction: Int64
    public let sequence: Int64

    public init(transaction: Int64, sequence: Int64) {
        self.transaction = transaction
        self.sequence = sequence
    }

    public static let start = EventPosition(transaction: 0, sequence: 0)

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.transaction, lhs.sequence) < (rhs.transaction, rhs.sequence)
    }
}

/// A stored event: stable `type` name, versioned JSON payload.
public struct EventEnvelope: Sendable {
    public let position: EventPosition
    public let id: String
    public let type: String
    public let version: Int
    public let payload: String
    public let occurredAt: Date
    /// What the event is about (`DomainEvent.aggregateID`); nil for events written before it was kept.
    public let aggregateID: String?
    /// The HTTP request that caused it, when one did.
    public let requestID: String?
    /// The payload decoded ahead of use (`decodingAhead`), or nil.
    private var decoded: (any DomainEvent)?

    public init(
        position: EventPosition, id: String, type: String, version: Int, payload: String, occurredAt: Date, aggregateID: String? = nil,
        requestID: String? = nil
    ) {
        self.position = position
        self.id = id
        self.type = type
        self.version = version
        self.payload = payload
        self.occurredAt = occurredAt
        self.aggregateID = aggregateID
        self.requestID = requestID
    }

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let decoded = decoded as? T { return decoded }
        return try JSONDecoder.events.decode(T.self, from: Data(payload.utf8))
    }

    /// The same event with its payload decoded as `type` now (or by another consumer of this
    /// process lately, see `RecentPayloads`), for `decode` to return later without parsing. A
    /// payload that does not decode is left for `decode` to report.
    func decodingAhead<Event: DomainEvent>(as type: Event.Type, from recent: RecentPayloads = .shared) -> EventEnvelope {
        var decoded = self
        decoded.decoded = recent.payload(of: self, as: Event.self)
        return decoded
    }
}

/// A domain event a module publishes. `type` names are stable; bump `version` when the payload
/// changes shape.
public protocol DomainEvent: Codable, Sendable {
    static var type: String { get }
    static var version: Int { get }
    /// The thing the event is about (an order, a product, a user's wallet): events of one
    /// aggregate keep their order wherever they are published (Kafka's message key).
    var aggregateID: String { get }
    /// True when decoding the JSON an event of this type is stored as always gives back an
    /// equal value (no `Date`s: their ISO 8601 text drops fractions of a second). The consumers
    /// of this process are then handed the event as it was appended, without parsing it
    /// (`RecentPayloads`). False unless a type says so.
    static var decodesToItself: Bool { get }
}

extension DomainEvent {
    public static var version: Int { 1 }
    public static var decodesToItself: Bool { false }
}

/// Events, stored payloads and realtime frames are written by `SortedJSON` (sorted keys, ISO 8601
/// dates) and read back with this.
extension JSONDecoder {
    public static let events: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
