import Foundation
import Kafka

/// Ships every JSON log line to the topic `<prefix>logs` as well (`BAZAAR_KAFKA_LOGS=true`), as
/// the shop's centralized logging service collected them. Best effort: a line is handed to
/// librdkafka and forgotten, dropped when its queue is full (Kafka down for long); standard
/// output keeps every line either way.
public final class KafkaLogShipper: Sendable {
    public let topic: String
    private let producer: KafkaProducer
    /// Lines of one process keep their order: one key, one partition.
    private let key = "\(ProcessInfo.processInfo.hostName)/\(getpid())"

    public init(settings: KafkaRelaySettings) throws {
        topic = settings.topic(for: "logs")
        producer = try KafkaProducer(
            brokers: settings.brokers.joined(separator: ","),
            // Idempotence would hold lines back for ordering guarantees logs do not need.
            options: settings.clientOptions.merging(["enable.idempotence": "false", "acks": "1", "linger.ms": "50"]) { _, new in new })
        let (producer, topic) = (producer, topic)
        Task {
            try? await producer.createTopics(
                [topic], partitions: settings.partitions, replicationFactor: settings.replicationFactor, timeout: .seconds(10))
        }
    }

    public func ship(_ line: [UInt8]) {
        producer.enqueue(KafkaRecord(topic: topic, key: key, value: line, headers: []))
    }
}
