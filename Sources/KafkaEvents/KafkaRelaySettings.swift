/// Where and how the event log is published to Kafka (`--kafka-brokers`, `BAZAAR_KAFKA_…`).
public struct KafkaRelaySettings: Sendable, Equatable {
    /// `host:port` of one or more brokers, as librdkafka's `bootstrap.servers`.
    public var brokers: [String]
    /// Topic of an event: prefix + event type (`bazaar.order.placed`).
    public var topicPrefix = "bazaar."
    /// Partitions of the topics the relay creates.
    public var partitions = 6
    /// Copies of each partition; -1 takes the broker's default.
    public var replicationFactor = -1
    /// Events read and sent per round trip.
    public var batchSize = 500
    /// How long librdkafka keeps trying to deliver a record before the relay hears it failed
    /// (and sends it again in its next round).
    public var deliveryTimeout: Duration = .seconds(30)
    /// How long a consumer-group member may go silent before its partitions go to the others.
    public var sessionTimeout: Duration = .seconds(10)
    /// librdkafka's own debug contexts (`BAZAAR_KAFKA_DEBUG`, e.g. `cgrp,topic`), printed to
    /// stderr by librdkafka: for diagnosing a broker, off by default.
    public var librdkafkaDebug: String?

    /// librdkafka settings every client of the event log shares.
    var clientOptions: [String: String] {
        guard let librdkafkaDebug else { return [:] }
        return ["debug": librdkafkaDebug, "log_level": "7"]
    }

    public init(brokers: [String]) {
        self.brokers = brokers
    }

    public func topic(for eventType: String) -> String { topicPrefix + eventType }

    /// `host:port,host:port`; nil when the list is not one.
    public static func parseBrokers(_ text: String) -> [String]? {
        let brokers = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !brokers.isEmpty else { return nil }
        for broker in brokers {
            guard let colon = broker.lastIndex(of: ":"), let port = Int(broker[broker.index(after: colon)...]), (1...65535).contains(port)
            else { return nil }
            let host = broker[..<colon]
            guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || ".-[]:".contains($0) }) else { return nil }
        }
        return brokers
    }

    /// Kafka topic names are at most 249 characters of ASCII letters, digits, `.`, `_` and `-`;
    /// the longest event type must still fit after the prefix.
    public static func isValidPrefix(_ prefix: String) -> Bool {
        prefix.count <= 200 && prefix.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}
