import Foundation
import Synchronization

/// An idempotent Kafka producer: records are sent in batches and each batch waits for the
/// broker's delivery reports, so a caller moves on only from what Kafka has stored.
///
/// librdkafka does its network work on its own threads; this type adds one thread that waits
/// on librdkafka's event queue for delivery reports and errors, so no Swift concurrency thread
/// (nor an event loop) ever blocks in the C library.
public final class KafkaProducer: Sendable {
    let library: LibRdKafka
    /// The librdkafka handle; topic creation (KafkaTopics.swift) uses it too.
    let client: KafkaHandle
    private let shared = Shared()

    /// What the caller's tasks and the event thread share.
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private struct Batch {
        var results: [KafkaDelivery]
        var remaining: Int
        let continuation: CheckedContinuation<[KafkaDelivery], Never>
    }

    private struct State {
        var nextID: UInt = 1
        var waiting: [UInt: (batch: UInt, index: Int)] = [:]
        var batches: [UInt: Batch] = [:]
        var lastError: String?
        var closed = false
        var pollerFinished = false
    }

    /// `brokers` is librdkafka's `bootstrap.servers`; `options` are further librdkafka settings.
    /// Nothing connects yet: librdkafka connects in the background and retries while Kafka is down.
    public init(brokers: String, options: [String: String] = [:]) throws(KafkaError) {
        let library = try LibRdKafka.shared()
        var settings = [
            "bootstrap.servers": brokers,
            // Exactly one copy per send, in order per partition, even when librdkafka retries.
            "enable.idempotence": "true",
            "acks": "all",
            "linger.ms": "5",
            "message.timeout.ms": "30000",
            "client.id": "bazaar",
            // librdkafka would print its own log lines to stderr; its errors reach `lastError`
            // as events instead, and the caller logs them as JSON like everything else.
            "log_level": "2",
        ]
        settings.merge(options) { _, new in new }
        let conf = try library.configuration(settings)
        library.confSetEvents(conf, LibRdKafka.eventDeliveryReport | LibRdKafka.eventError)
        let handle = try library.client(type: LibRdKafka.producer, conf: conf)
        guard let events = library.queueGetMain(handle) else {
            library.destroy(handle)
            throw .configuration("librdkafka gave no event queue")
        }
        self.library = library
        let client = KafkaHandle(handle: handle, events: events)
        self.client = client
        let shared = shared
        let poller = Thread {
            while !shared.state.withLock({ $0.closed }) {
                guard let event = library.queuePoll(client.events, 200) else { continue }
                Self.handle(event, library: library, shared: shared)
                library.eventDestroy(event)
            }
            shared.state.withLock { $0.pollerFinished = true }
        }
        poller.name = "kafka-producer-events"
        poller.start()
    }

    /// The version of the loaded librdkafka.
    public var libraryVersion: String { library.version().map { String(cString: $0) } ?? "unknown" }

    /// The latest error librdkafka reported (e.g. every broker down), nil after a delivery succeeds.
    public var lastError: String? { shared.state.withLock { $0.lastError } }

    /// Sends `records` and returns, in the same order, what the broker answered for each. A
    /// record that cannot be delivered within `message.timeout.ms` reports a timeout.
    public func send(_ records: [KafkaRecord]) async -> [KafkaDelivery] {
        guard !records.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            // Registered before the first produce: a report may arrive before the loop ends.
            let firstID = shared.state.withLock { state in
                let batchID = state.nextID
                state.nextID += UInt(records.count) + 1
                state.batches[batchID] = Batch(
                    results: Array(repeating: nil, count: records.count), remaining: records.count, continuation: continuation)
                for index in records.indices { state.waiting[batchID + 1 + UInt(index)] = (batchID, index) }
                return batchID + 1
            }
            for (index, record) in records.enumerated() {
                let id = firstID + UInt(index)
                let failure = ProduceArguments.with(record, opaque: id) { arguments, count in
                    library.produceva(client.handle, arguments, count)
                }
                if let failure {
                    let code = library.errorCode(failure)
                    let text = library.errorString(failure).map { String(cString: $0) } ?? library.describe(code)
                    library.errorDestroy(failure)
                    Self.complete(id, with: .broker(code: code, message: text), shared: shared)
                }
            }
        }
    }

    /// Hands one record to librdkafka without waiting for Kafka's answer: for what may be lost
    /// (log lines), never for events. False when librdkafka's queue is full or refuses it.
    @discardableResult
    public func enqueue(_ record: KafkaRecord) -> Bool {
        // Opaque 0 is never a waiting send's id: its delivery report is ignored.
        let failure = ProduceArguments.with(record, opaque: 0) { arguments, count in library.produceva(client.handle, arguments, count) }
        guard let failure else { return true }
        library.errorDestroy(failure)
        return false
    }

    /// Answers every send still waiting with `error` at once (the records may still reach
    /// Kafka): for a shutdown that must not wait out `message.timeout.ms` while Kafka is down.
    public func abandonWaitingSends(with error: KafkaError) {
        let batches = shared.state.withLock { state in
            let batches = state.batches.values.map { ($0.continuation, $0.results.count) }
            state.batches.removeAll()
            state.waiting.removeAll()
            return batches
        }
        for (continuation, count) in batches { continuation.resume(returning: Array(repeating: error, count: count)) }
    }

    /// Waits up to `timeout` for records in flight, then closes the connection.
    public func close(timeout: Duration = .seconds(5)) {
        let milliseconds = timeout.librdkafkaMilliseconds
        _ = library.flush(client.handle, milliseconds)
        shared.state.withLock { $0.closed = true }
        while !shared.state.withLock({ $0.pollerFinished }) { usleep(10_000) }
        library.queueDestroy(client.events)
        library.destroy(client.handle)
    }

    private static func handle(_ event: OpaquePointer, library: LibRdKafka, shared: Shared) {
        switch library.eventType(event) {
        case LibRdKafka.eventDeliveryReport:
            // rd_kafka_message_t: `err` (int32) at offset 0, `_private` (the opaque) at 64.
            while let message = library.eventMessageNext(event) {
                let code = message.load(as: Int32.self)
                let id = UInt(bitPattern: message.load(fromByteOffset: 64, as: Int.self))
                complete(id, with: code == 0 ? nil : .broker(code: code, message: library.describe(code)), shared: shared)
                if code == 0 { shared.state.withLock { $0.lastError = nil } }
            }
        case LibRdKafka.eventError:
            let text = library.eventErrorString(event).map { String(cString: $0) } ?? library.describe(library.eventError(event))
            shared.state.withLock { $0.lastError = text }
        default:
            break
        }
    }

    private static func complete(_ id: UInt, with delivery: KafkaDelivery, shared: Shared) {
        let finished: (CheckedContinuation<[KafkaDelivery], Never>, [KafkaDelivery])? = shared.state.withLock { state in
            guard let place = state.waiting.removeValue(forKey: id), var batch = state.batches[place.batch] else { return nil }
            batch.results[place.index] = delivery
            batch.remaining -= 1
            guard batch.remaining == 0 else {
                state.batches[place.batch] = batch
                return nil
            }
            state.batches[place.batch] = nil
            return (batch.continuation, batch.results)
        }
        if let (continuation, results) = finished { continuation.resume(returning: results) }
    }
}
