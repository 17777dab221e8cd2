public import PlatformDatabase
public import SQLKit

/// A durable consumer of the event log. `name` keys its stored position and the ids it has
/// applied; `handle` runs inside the transaction that records both, so a handler's own writes
/// and the bookkeeping commit together (exactly-once effects on the database).
public protocol EventHandler: Sendable {
    var name: String { get }
    /// The events it applies (none: every event). The consumer decodes their payloads before
    /// the transaction that applies them, so `EventEnvelope.decode` in `handle` costs no parsing
    /// while the transaction (on SQLite, the one writer) is held.
    var handledEvents: [any DomainEvent.Type] { get }
    func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws
    /// Applies a batch of events in one transaction, in log order. The default handles them
    /// one by one; a handler whose events touch the same rows (stock of popular products) does
    /// the batch's work in a few statements instead of a few per event.
    func handle(batch events: [EventEnvelope], on db: any SQLDatabase) async throws
    /// Runs after a transaction of this handler committed (in-memory state that must follow
    /// the database, such as a cache, is refreshed here rather than before the commit).
    func didCommit()
    /// Whether `handle` could change anything for `event` (its payload decoded ahead), whatever
    /// the database holds. A batch of events that none can change is only recorded, in one
    /// statement (see `EventConsumerService`). The default: every event can.
    func acts(on event: EventEnvelope) -> Bool
    /// Whether `handle(batch:)` could change anything for `events` (some of which it `acts(on:)`),
    /// judged from what is committed now, outside the batch's transaction: when the batch's
    /// bookkeeping then finds the consumer's position where the batch was read from, every earlier
    /// batch of the consumer has committed, so a handler that only needs to know what its own
    /// earlier events wrote can tell here. False: the batch is only recorded, in one statement.
    /// The default: it could.
    func acts(onBatch events: [EventEnvelope], committed database: any Database) async throws -> Bool
}

extension EventHandler {
    public func didCommit() {}

    public func acts(on event: EventEnvelope) -> Bool { true }

    public func acts(onBatch events: [EventEnvelope], committed database: any Database) async throws -> Bool { true }

    /// The type names of `handledEvents`, as the log stores them.
    public var eventTypes: [String] { handledEvents.map { $0.type } }

    /// `events` with the payloads of the handled types decoded, for `handle` to use without
    /// parsing (the consumer calls it before the transaction).
    func decodingAhead(_ events: [EventEnvelope]) -> [EventEnvelope] {
        let types = handledEvents
        return events.map { event in
            guard let type = types.first(where: { $0.type == event.type }) else { return event }
            return event.decodingAhead(as: type)
        }
    }

    public func handle(batch events: [EventEnvelope], on db: any SQLDatabase) async throws {
        for event in events { try await handle(event, on: db) }
    }
}

/// Retry and dead-letter policy of the consumers.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(30)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Exponential backoff: base, 2·base, 4·base … capped at `maxDelay`.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let factor = 1 << min(max(attempt - 1, 0), 20)
        return min(baseDelay * factor, maxDelay)
    }
}
