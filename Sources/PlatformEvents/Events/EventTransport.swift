import Synchronization

/// Where durable consumers read their events when not from the database log: Kafka, so that
/// several processes serving one module share its consumers' work (a consumer group each).
///
/// Delivery is at least once: a batch comes again until it is acknowledged, and the consumers'
/// dedupe by event id (`processed_events`) makes a second delivery harmless; events the consumer
/// passed while it followed the database log are not applied again either. Order holds per
/// aggregate within one event type (one partition); across types only what causality gives.
public protocol EventTransport: Sendable {
    /// Joins the group of `consumer` for `eventTypes`.
    func subscribe(consumer: String, eventTypes: [String]) async throws -> any EventSubscription
}

public protocol EventSubscription: Sendable {
    /// Up to `limit` events; waits at most `timeout` for the first. Empty when none came.
    func next(limit: Int, timeout: Duration) async throws -> [EventEnvelope]
    /// Everything `next` returned so far is applied (committed in the consumer's database).
    func acknowledge() async throws
    func close() async
}

/// The events a subscription handed out that are not applied yet: kept across failures, so a
/// batch is retried as it came, and dropped only once acknowledged.
final class TransportFeed: Sendable {
    let subscription: any EventSubscription
    private let pending = Mutex<[EventEnvelope]>([])

    init(subscription: any EventSubscription) {
        self.subscription = subscription
    }

    func batch(limit: Int) async throws -> [EventEnvelope] {
        let kept = pending.withLock { $0 }
        if !kept.isEmpty { return kept }
        let fresh = try await subscription.next(limit: limit, timeout: .seconds(1))
        pending.withLock { $0 = fresh }
        return fresh
    }

    /// Leaves an event out of the retried batch (it went to the dead letters).
    func drop(eventID: String) {
        pending.withLock { $0.removeAll { $0.id == eventID } }
    }

    /// The batch is applied: it is dropped even when the acknowledgement fails, since a batch
    /// kept for a commit that keeps failing would stop the consumer; what was not acknowledged
    /// comes again and the dedupe skips it.
    func acknowledge() async throws {
        defer { pending.withLock { $0 = [] } }
        try await subscription.acknowledge()
    }
}
