import Foundation
import Kafka
public import PlatformEvents

/// Module consumers reading their events from Kafka (`--event-transport kafka`): each consumer
/// is a member of the group `bazaar.<consumer name>`, so the processes serving one module
/// share its partitions, and a process that dies hands them to the others.
public struct KafkaEventTransport: EventTransport {
    let settings: KafkaRelaySettings

    public init(settings: KafkaRelaySettings) {
        self.settings = settings
    }

    public func subscribe(consumer: String, eventTypes: [String]) async throws -> any EventSubscription {
        let topics = eventTypes.map(settings.topic(for:))
        let member = try KafkaConsumer(
            brokers: settings.brokers.joined(separator: ","), group: "bazaar.\(consumer)",
            options: settings.clientOptions.merging(["session.timeout.ms": String(settings.sessionTimeout.milliseconds)]) { _, new in new })
        // The group may start before anything of these types was published: the topics are
        // created before the subscription, which would otherwise not see them until librdkafka
        // next refreshes its metadata.
        do {
            try await member.createTopics(
                topics, partitions: settings.partitions, replicationFactor: settings.replicationFactor, timeout: .seconds(10))
            try member.subscribe(topics)
        } catch {
            // Kafka unreachable: leave the group now, or each retry would add a member.
            await member.close()
            throw error
        }
        return KafkaEventSubscription(member: member)
    }
}

struct KafkaEventSubscription: EventSubscription {
    let member: KafkaConsumer

    func next(limit: Int, timeout: Duration) async throws -> [EventEnvelope] {
        await member.poll(limit: limit, timeout: timeout).compactMap(Self.event(from:))
    }

    func acknowledge() async throws { try await member.commit() }

    func close() async { await member.close() }

    /// The event as the relay published it (`KafkaRelay.record(for:)`); nil for a message that
    /// did not come from Bazaar (no event id or type).
    static func event(from message: KafkaMessage) -> EventEnvelope? {
        guard let id = message.headers["event-id"], let type = message.headers["event-type"] else { return nil }
        let occurredAt = message.headers["occurred-at"].flatMap { try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0) }
        return EventEnvelope(
            position: .start, id: id, type: type, version: message.headers["event-version"].flatMap(Int.init) ?? 1,
            payload: String(decoding: message.value, as: UTF8.self), occurredAt: occurredAt ?? Date(), aggregateID: message.key,
            requestID: message.headers["request-id"])
    }
}
