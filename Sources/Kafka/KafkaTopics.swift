import Foundation

extension KafkaProducer {
    /// Creates the topics that do not exist yet (one that exists already is fine).
    public func createTopics(_ names: [String], partitions: Int, replicationFactor: Int, timeout: Duration) async throws(KafkaError) {
        try await KafkaTopics.create(
            names, partitions: partitions, replicationFactor: replicationFactor, timeout: timeout, library: library, client: client)
    }
}

/// Topic creation with librdkafka's admin API, on any client handle.
enum KafkaTopics {
    /// Waits on a thread of its own for the broker's answer, at most `timeout`.
    static func create(
        _ names: [String], partitions: Int, replicationFactor: Int, timeout: Duration, library: LibRdKafka, client: KafkaHandle
    ) async throws(KafkaError) {
        guard !names.isEmpty else { return }
        let milliseconds = timeout.librdkafkaMilliseconds
        let result: Result<Void, KafkaError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    returning: createTopics(
                        names, partitions: partitions, replicationFactor: replicationFactor, timeout: milliseconds, library: library,
                        handle: client.handle))
            }
            thread.name = "kafka-create-topics"
            thread.start()
        }
        try result.get()
    }

    private static func createTopics(
        _ names: [String], partitions: Int, replicationFactor: Int, timeout: Int32, library: LibRdKafka, handle: OpaquePointer
    ) -> Result<Void, KafkaError> {
        var message = [CChar](repeating: 0, count: 512)
        var topics: [OpaquePointer?] = []
        defer { topics.forEach { library.newTopicDestroy($0) } }
        for name in names {
            guard let topic = library.newTopicNew(name, Int32(partitions), Int32(replicationFactor), &message, message.count) else {
                return .failure(.configuration("topic \(name): \(LibRdKafka.string(message))"))
            }
            topics.append(topic)
        }
        guard let queue = library.queueNew(handle) else { return .failure(.configuration("librdkafka gave no queue")) }
        defer { library.queueDestroy(queue) }
        let options = library.adminOptionsNew(handle, LibRdKafka.adminCreateTopics)
        defer { library.adminOptionsDestroy(options) }
        _ = library.adminOptionsSetRequestTimeout(options, timeout, &message, message.count)
        topics.withUnsafeMutableBufferPointer { library.createTopics(handle, $0.baseAddress, $0.count, options, queue) }

        // The request times out on its own (`timeout`); the extra second only covers the hand-over.
        guard let event = library.queuePoll(queue, timeout + 1000) else {
            return .failure(.broker(code: -185, message: "no answer from Kafka to CreateTopics"))
        }
        defer { library.eventDestroy(event) }
        if library.eventError(event) != 0 {
            let code = library.eventError(event)
            return .failure(
                .broker(code: code, message: library.eventErrorString(event).map { String(cString: $0) } ?? library.describe(code)))
        }
        guard let outcome = library.eventCreateTopicsResult(event) else {
            return .failure(.broker(code: -1, message: "unexpected answer to CreateTopics"))
        }
        var count = 0
        guard let results = library.createTopicsResultTopics(outcome, &count) else { return .success(()) }
        for index in 0..<count {
            let code = library.topicResultError(results[index])
            guard code != 0, code != LibRdKafka.topicAlreadyExists else { continue }
            let name = library.topicResultName(results[index]).map { String(cString: $0) } ?? "?"
            let text = library.topicResultErrorString(results[index]).map { String(cString: $0) } ?? library.describe(code)
            return .failure(.broker(code: code, message: "topic \(name): \(text)"))
        }
        return .success(())
    }
}
