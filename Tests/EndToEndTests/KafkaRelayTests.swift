import BazaarServer
import Foundation
import HTTPTypes
import KafkaEvents
import PlatformCore
import SQLKit
import Testing
import TestSupport

/// The event log published to a real Kafka-protocol broker and read back by a stock client
/// (kcat), as another company service would subscribe.
@Suite("Kafka relay")
struct KafkaRelayTests {
    static func withKafka(
        _ broker: KafkaBroker, deliveryTimeout: Duration = .seconds(30)
    ) -> @Sendable (inout BazaarSettings) -> Void {
        let address = broker.address
        return { settings in
            var kafka = KafkaRelaySettings(brokers: [address])
            kafka.deliveryTimeout = deliveryTimeout
            settings.kafka = kafka
        }
    }

    @Test(arguments: TestEngine.allCases)
    func publishesEveryEventKeyedByItsAggregateWithHeaders(engine: TestEngine) async throws {
        let broker = try await KafkaBroker()
        try await TestBazaar.run(engine, configure: Self.withKafka(broker)) { app in
            let admin = try await app.admin()
            let product = try await app.createProduct(admin: admin.accessToken, sku: "KAFKA-1")
            let shopper = try await app.register(email: "kafka@example.com")
            let placed = try await app.request(
                .post, "/api/v1/orders", token: shopper.accessToken,
                json: #"{"items":[{"productId":"\#(product.id)","quantity":2}],"paymentMethod":"onDelivery"}"#,
                headers: [.idempotencyKeyTest: UUID().uuidString, HTTPField.Name("X-Request-Id")!: "kafka-order-1"])
            #expect(placed.status == .accepted)
            let order = try placed.placedOrder()
            #expect(try await app.settled(order.id, token: shopper.accessToken).status == "confirmed")
            let relay = try #require(app.bazaar.kafkaRelay)
            try await waitUntil("the relay caught up", timeout: .seconds(30)) { try await relay.lag().events == 0 }

            #expect(try await broker.partitions(of: "bazaar.order.placed") == 6)
            let placedMessages = try await broker.messages(in: "bazaar.order.placed")
            let message = try #require(placedMessages.first { $0.key == order.id })
            #expect(message.headerValues["event-type"] == "order.placed")
            #expect(message.headerValues["request-id"] == "kafka-order-1")
            // The value is the event as the log holds it.
            let logged = try await app.request(.get, "/api/v1/admin/events?type=order.placed", token: admin.accessToken)
            let events = try logged.decode(EventList.self).items
            let event = try #require(events.first { $0.id == message.headerValues["event-id"] })
            let value = try JSONDecoder().decode(JSONValue.self, from: Data((message.payload ?? "").utf8))
            #expect(value == event.payload)

            // One order's events share a key, so they land on the same partition number.
            let changes = try await broker.messages(in: "bazaar.order.status-changed").filter { $0.key == order.id }
            #expect(!changes.isEmpty)
            #expect(changes.allSatisfy { $0.partition == message.partition })

            let health = try await app.request(.get, "/health/ready")
            #expect(health.status == .ok)
            #expect(health.text.contains(#""kafka""#))
            // The saga goes on after the order settles (its notification is an event of its own),
            // so the lag may be 1 again for a moment: the metric has to come back to 0.
            try await waitUntil("the lag metric to read 0", timeout: .seconds(30)) {
                try await app.request(.get, "/metrics").text.contains("bazaar_kafka_relay_lag_events 0")
            }
        }
    }

    /// Kafka stops while orders keep coming: the shop stays ready, the relay's lag shows, and
    /// when Kafka returns every event arrives, each aggregate's in log order, none missing.
    @Test(arguments: TestEngine.allCases)
    func eventsWaitWhileKafkaIsDownAndArriveInOrderWhenItReturns(engine: TestEngine) async throws {
        let broker = try await KafkaBroker()
        try await TestBazaar.run(engine, configure: Self.withKafka(broker, deliveryTimeout: .seconds(2))) { app in
            let relay = try #require(app.bazaar.kafkaRelay)
            let admin = try await app.admin()
            let product = try await app.createProduct(admin: admin.accessToken, sku: "KAFKA-2", stock: 100)
            try await waitUntil("the relay caught up", timeout: .seconds(30)) { try await relay.lag().events == 0 }

            try await broker.stop()
            let shopper = try await app.register(email: "outage@example.com")
            var orders: [String] = []
            for _ in 0..<5 {
                orders.append(try await app.placeOrder(token: shopper.accessToken, items: [(product.id, 1)]).id)
            }
            for order in orders { _ = try await app.settled(order, token: shopper.accessToken) }
            let ready = try await app.request(.get, "/health/ready")
            #expect(ready.status == .ok)
            try await waitUntil("the relay reports Kafka down", timeout: .seconds(20)) {
                let status = try await app.request(.get, "/health/ready").decode(Readiness.self)
                return status.components?.kafka.state == "waiting for Kafka" && (status.components?.kafka.lagEvents ?? 0) > 0
            }

            try await broker.start()
            try await waitUntil("the relay caught up after the outage", timeout: .seconds(60)) { try await relay.lag().events == 0 }
            let logged = try await app.request(.get, "/api/v1/admin/events?limit=100", token: admin.accessToken).decode(EventList.self)
                .items.reversed()  // oldest first
            var published: [String: [KafkaBroker.Message]] = [:]
            for type in Set(logged.map(\.type)) { published[type] = try await broker.messages(in: "bazaar.\(type)") }
            for type in Set(logged.map(\.type)) {
                let inKafka = published[type] ?? []
                let ids = Set(inKafka.compactMap { $0.headerValues["event-id"] })
                let expected = logged.filter { $0.type == type }
                #expect(expected.allSatisfy { ids.contains($0.id) }, "missing \(type) events in Kafka")
                // Per key, first deliveries in offset order follow the log's order. Events appended
                // after the listing was read (a late notification) are not compared.
                let listed = Set(expected.map(\.id))
                for key in Set(inKafka.compactMap(\.key)) {
                    var seen = Set<String>()
                    let order = inKafka.filter { $0.key == key }.sorted { $0.offset < $1.offset }
                        .compactMap { $0.headerValues["event-id"] }.filter { listed.contains($0) && seen.insert($0).inserted }
                    let logOrder = expected.map(\.id).filter { order.contains($0) }
                    #expect(order == logOrder, "\(type) events of \(key) out of order")
                }
            }
            for order in orders {
                #expect(published["order.placed"]?.contains { $0.key == order } == true)
            }
        }
    }

    /// Every module consumer a member of its Kafka consumer group instead of a reader of the
    /// database log: orders still settle exactly once, and no more stock is sold than there is.
    @Test(arguments: TestEngine.allCases)
    func ordersSettleWithConsumersReadingFromKafka(engine: TestEngine) async throws {
        let broker = try await KafkaBroker()
        let kafka = Self.withKafka(broker)
        try await TestBazaar.run(
            engine,
            configure: {
                kafka(&$0)
                $0.eventTransport = .kafka
            }
        ) { app in
            let admin = try await app.admin()
            let product = try await app.createProduct(admin: admin.accessToken, sku: "KAFKA-3", stock: 3)
            let shopper = try await app.register(email: "groups@example.com")
            let orders = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<5 { group.addTask { try await app.placeOrder(token: shopper.accessToken, items: [(product.id, 1)]).id } }
                var ids: [String] = []
                for try await id in group { ids.append(id) }
                return ids
            }
            var statuses: [String] = []
            for order in orders { statuses.append(try await app.settled(order, token: shopper.accessToken).status) }
            #expect(statuses.filter { $0 == "confirmed" }.count == 3)
            #expect(statuses.filter { $0 == "rejected" }.count == 2)
            #expect(try await app.product(product.id)?.stock == 0)
            try await app.consumersCaughtUp()
            // The consumers never followed the database log: their stored positions did not move.
            let moved = try await app.bazaar.platform.database.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM event_consumers WHERE seq > 0 OR tx_id > 0").first()?
                    .decode(column: "n", as: Int.self)
            }
            #expect(moved == 0)
        }
    }

    /// BAZAAR_KAFKA_LOGS ships every JSON log line to bazaar.logs, as the shop's logging service
    /// collected them; the lines stay on standard output too.
    @Test func logLinesGoToTheLogsTopic() async throws {
        let broker = try await KafkaBroker()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-logs-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = try LiveProcess(
            arguments: ["run", "--database", "sqlite:\(path)", "--kafka-brokers", broker.address],
            environment: ["BAZAAR_KAFKA_LOGS": "true", "BAZAAR_LOG_LEVEL": "info"], port: LiveProcess.freePort())
        defer { process.stop() }
        try await process.waitUntilReady()
        let lines = try await poll("the start-up line on bazaar.logs", timeout: .seconds(30)) {
            let messages = (try? await broker.messages(in: "bazaar.logs")) ?? []
            return messages.contains { $0.payload?.contains(#""message":"starting bazaar""#) == true } ? messages : nil
        }
        let first = try #require(lines.first?.payload)
        let object = try JSONDecoder().decode([String: JSONValue].self, from: Data(first.utf8))
        #expect(object["level"] != nil && object["time"] != nil)
        #expect(process.output.contains(#""message":"starting bazaar""#))
    }

    struct EventList: Decodable {
        struct Item: Decodable {
            let id: String
            let type: String
            let payload: JSONValue
        }
        let items: [Item]
    }

    struct Readiness: Decodable {
        struct Components: Decodable {
            struct Kafka: Decodable {
                let state: String
                let lagEvents: Int?
            }
            let kafka: Kafka
        }
        let status: String
        let components: Components?
    }
}
