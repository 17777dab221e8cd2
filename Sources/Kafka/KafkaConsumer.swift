import Dispatch
import Synchronization

/// A message as a consumer received it.
public struct KafkaMessage: Sendable, Equatable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    public let key: String?
    public let value: [UInt8]
    public let headers: [String: String]
}

/// A member of a consumer group: the group's partitions are shared among its members, and a
/// member that stops heartbeating loses them to the others. Offsets are committed only when the
/// caller says what it received is done (`commit`), never automatically, so a crash redelivers.
///
/// librdkafka's calls here block (poll, commit, close), so they run on a queue of this
/// consumer's own, never on a Swift concurrency thread or an event loop.
public final class KafkaConsumer: Sendable {
    let library: LibRdKafka
    let client: KafkaHandle
    private let queue: DispatchQueue
    /// The next offset to commit per topic and partition: one past the last message received.
    private let received = Mutex<[TopicPartition: Int64]>([:])

    struct TopicPartition: Hashable {
        let topic: String
        let partition: Int32
    }

    /// Joins nothing yet: `subscribe` does (create the topics first, or the group may wait for
    /// a metadata refresh to see them).
    public init(brokers: String, group: String, options: [String: String] = [:]) throws(KafkaError) {
        let library = try LibRdKafka.shared()
        var settings = [
            "bootstrap.servers": brokers,
            "group.id": group,
            "enable.auto.commit": "false",
            // A new group starts from the beginning of each topic: nothing published is skipped.
            "auto.offset.reset": "earliest",
            "client.id": "bazaar",
            "log_level": "2",
            // A topic created after the subscription is seen within this (default: 5 minutes).
            "topic.metadata.refresh.interval.ms": "10000",
        ]
        settings.merge(options) { _, new in new }
        let handle = try library.client(type: LibRdKafka.consumer, conf: try library.configuration(settings))
        _ = library.pollSetConsumer(handle)
        self.library = library
        self.client = KafkaHandle(handle: handle, events: nil)
        self.queue = DispatchQueue(label: "kafka-consumer-\(group)")
    }

    /// Joins the group for `topics`.
    public func subscribe(_ topics: [String]) throws(KafkaError) {
        guard let list = library.partitionListNew(Int32(topics.count)) else {
            throw .configuration("librdkafka could not allocate a topic list")
        }
        defer { library.partitionListDestroy(list) }
        for topic in topics { _ = library.partitionListAdd(list, topic, LibRdKafka.anyPartition) }
        let code = library.subscribe(client.handle, list)
        guard code == 0 else { throw .broker(code: code, message: "subscribe: \(library.describe(code))") }
    }

    /// Creates the subscribed topics when missing (a group may start before anything was published).
    public func createTopics(_ names: [String], partitions: Int, replicationFactor: Int, timeout: Duration) async throws(KafkaError) {
        try await KafkaTopics.create(
            names, partitions: partitions, replicationFactor: replicationFactor, timeout: timeout, library: library, client: client)
    }

    /// Up to `limit` messages: waits at most `timeout` for the first, then takes what is ready.
    public func poll(limit: Int, timeout: Duration) async -> [KafkaMessage] {
        let milliseconds = timeout.librdkafkaMilliseconds
        return await withCheckedContinuation { continuation in
            queue.async { [self] in
                var messages: [KafkaMessage] = []
                var wait = milliseconds
                while messages.count < limit, let raw = library.consumerPoll(client.handle, wait) {
                    wait = 0
                    defer { library.messageDestroy(raw) }
                    guard let message = Self.message(raw, library: library) else { continue }
                    received.withLock { $0[TopicPartition(topic: message.topic, partition: message.partition)] = message.offset + 1 }
                    messages.append(message)
                }
                continuation.resume(returning: messages)
            }
        }
    }

    /// Commits, synchronously, the offsets of everything `poll` returned so far. The offsets are
    /// forgotten either way: after a failed commit (a rebalance took the partitions away, say)
    /// those messages come again to whichever member owns them, and retrying the same commit
    /// would only fail again.
    public func commit() async throws(KafkaError) {
        let offsets = received.withLock { $0 }
        guard !offsets.isEmpty else { return }
        let (library, client) = (library, client)
        let code: Int32 = await withCheckedContinuation { continuation in
            queue.async {
                guard let list = library.partitionListNew(Int32(offsets.count)) else { return continuation.resume(returning: -1) }
                defer { library.partitionListDestroy(list) }
                for (place, offset) in offsets {
                    _ = library.partitionListAdd(list, place.topic, place.partition)
                    _ = library.partitionListSetOffset(list, place.topic, place.partition, offset)
                }
                continuation.resume(returning: library.commit(client.handle, list, 0))
            }
        }
        received.withLock { current in
            for (place, offset) in offsets where current[place] == offset { current[place] = nil }
        }
        guard code == 0 else { throw .broker(code: code, message: "commit: \(library.describe(code))") }
    }

    /// Leaves the group (its partitions go to the other members at once) and closes.
    public func close() async {
        let (library, client) = (library, client)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                _ = library.consumerClose(client.handle)
                library.destroy(client.handle)
                continuation.resume()
            }
        }
    }

    /// rd_kafka_message_t: err (int32) at 0, rkt at 8, partition (int32) at 16, payload at 24,
    /// len at 32, key at 40, key_len at 48, offset (int64) at 56. nil for an error report
    /// (a partition's end, a broker gone) rather than a message.
    private static func message(_ raw: UnsafeMutableRawPointer, library: LibRdKafka) -> KafkaMessage? {
        guard raw.load(as: Int32.self) == 0 else { return nil }
        func bytes(at pointerOffset: Int, length lengthOffset: Int) -> [UInt8]? {
            guard let base = raw.load(fromByteOffset: pointerOffset, as: UnsafeRawPointer?.self) else { return nil }
            let length = raw.load(fromByteOffset: lengthOffset, as: Int.self)
            return Array(UnsafeRawBufferPointer(start: base, count: length))
        }
        let topic = library.topicName(raw.load(fromByteOffset: 8, as: OpaquePointer?.self)).map { String(cString: $0) } ?? ""
        var headers: [String: String] = [:]
        var list: OpaquePointer?
        if library.messageHeaders(UnsafeRawPointer(raw), &list) == 0, let list {
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while library.headerGetAll(list, index, &name, &value, &size) == 0 {
                if let name {
                    let text = value.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: size), as: UTF8.self) } ?? ""
                    headers[String(cString: name)] = text
                }
                index += 1
            }
        }
        return KafkaMessage(
            topic: topic, partition: raw.load(fromByteOffset: 16, as: Int32.self), offset: raw.load(fromByteOffset: 56, as: Int64.self),
            key: bytes(at: 40, length: 48).map { String(decoding: $0, as: UTF8.self) }, value: bytes(at: 24, length: 32) ?? [],
            headers: headers)
    }
}
