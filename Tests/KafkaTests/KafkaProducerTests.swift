import Foundation
import Kafka
import Testing
import TestSupport

@Suite("Kafka producer and topic creation against a real broker")
struct KafkaProducerTests {
    @Test func createsTopicsAndDeliversKeyedRecordsWithHeaders() async throws {
        let broker = try await KafkaBroker()
        let producer = try KafkaProducer(brokers: broker.address)
        defer { producer.close() }
        try await producer.createTopics(["tests.created"], partitions: 6, replicationFactor: 1, timeout: .seconds(10))
        // Creating it again is not an error.
        try await producer.createTopics(["tests.created"], partitions: 6, replicationFactor: 1, timeout: .seconds(10))
        #expect(try await broker.partitions(of: "tests.created") == 6)

        let records = (1...3).map { index in
            KafkaRecord(
                topic: "tests.created", key: "order-\(index % 2)", value: Array(#"{"n":\#(index)}"#.utf8),
                headers: [(name: "event-id", value: "id-\(index)"), (name: "event-type", value: "tests.created")])
        }
        let deliveries = await producer.send(records)
        #expect(deliveries.count == 3)
        #expect(deliveries.allSatisfy { $0 == nil })

        let messages = try await broker.messages(in: "tests.created")
        #expect(messages.count == 3)
        let byID = Dictionary(uniqueKeysWithValues: messages.map { ($0.headerValues["event-id"] ?? "", $0) })
        #expect(byID["id-1"]?.payload == #"{"n":1}"#)
        #expect(byID["id-2"]?.key == "order-0")
        #expect(byID["id-3"]?.headerValues["event-type"] == "tests.created")
        // One key, one partition: records 1 and 3 share "order-1".
        #expect(byID["id-1"]?.partition == byID["id-3"]?.partition)
    }

    @Test func reportsEachRecordAsUndeliveredWhenNoBrokerAnswers() async throws {
        let producer = try KafkaProducer(brokers: "127.0.0.1:\(LiveProcess.freePort())", options: ["message.timeout.ms": "1500"])
        defer { producer.close(timeout: .milliseconds(100)) }
        let deliveries = await producer.send([KafkaRecord(topic: "tests.nowhere", key: "k", value: [1], headers: [])])
        #expect(deliveries.count == 1)
        #expect(deliveries[0] != nil)
    }

    @Test func refusesAnUnknownSettingWithItsName() throws {
        #expect {
            _ = try KafkaProducer(brokers: "127.0.0.1:9", options: ["no.such.setting": "1"])
        } throws: { error in
            "\(error)".contains("no.such.setting")
        }
    }
}
