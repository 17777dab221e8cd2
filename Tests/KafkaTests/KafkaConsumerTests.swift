import Foundation
import Kafka
import Testing
import TestSupport

@Suite("Kafka consumer groups against a real broker")
struct KafkaConsumerTests {
    /// Polls until `count` messages came or `timeout` passed.
    static func receive(_ count: Int, from consumer: KafkaConsumer, timeout: Duration = .seconds(30)) async -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < count, ContinuousClock.now < deadline {
            messages += await consumer.poll(limit: 100, timeout: .milliseconds(500))
        }
        return messages
    }

    @Test func uncommittedMessagesComeAgainAndCommittedOnesDoNot() async throws {
        let broker = try await KafkaBroker()
        let producer = try KafkaProducer(brokers: broker.address)
        defer { producer.close() }
        try await producer.createTopics(["tests.group"], partitions: 6, replicationFactor: 1, timeout: .seconds(10))
        let records = (0..<20).map {
            KafkaRecord(topic: "tests.group", key: "k\($0)", value: Array("v\($0)".utf8), headers: [("n", "\($0)")])
        }
        #expect(await producer.send(records).allSatisfy { $0 == nil })

        let first = try KafkaConsumer(brokers: broker.address, group: "tests")
        try first.subscribe(["tests.group"])
        let seen = await Self.receive(20, from: first)
        #expect(Set(seen.compactMap { $0.headers["n"] }) == Set((0..<20).map(String.init)))
        #expect(seen.first { $0.key == "k7" }.map { String(decoding: $0.value, as: UTF8.self) } == "v7")
        await first.close()  // without committing: the group has done nothing

        let second = try KafkaConsumer(brokers: broker.address, group: "tests")
        try second.subscribe(["tests.group"])
        let again = await Self.receive(20, from: second)
        #expect(again.count == 20)
        try await second.commit()
        await second.close()

        let third = try KafkaConsumer(brokers: broker.address, group: "tests")
        try third.subscribe(["tests.group"])
        #expect(await producer.send([KafkaRecord(topic: "tests.group", key: "k20", value: Array("v20".utf8), headers: [])]) == [nil])
        let rest = await Self.receive(1, from: third)
        #expect(rest.map(\.key) == ["k20"])
        // Nothing committed before comes back with it.
        #expect(await third.poll(limit: 100, timeout: .seconds(2)).isEmpty)
        await third.close()
    }
}
