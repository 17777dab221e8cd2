import Foundation
import Testing
import TestSupport

/// Two Catalog processes share the stock-reservation consumer's partitions through Kafka; one is
/// killed (SIGKILL) while orders come in, and the other takes its partitions over: every order
/// is confirmed or rejected exactly once, no stock is reserved twice, none stays pending.
extension MultiProcess {
    @Suite("Consumer groups across processes")
    struct KafkaConsumerGroupTests {
        struct Product: Decodable { let id: String; let stock: Int }
        struct Order: Decodable { let id: String; let status: String }
        struct Events: Decodable {
            struct Event: Decodable { let type: String; let payload: [String: JSONLeaf] }
            let items: [Event]
        }
        /// A payload value as far as this test reads it (order ids are strings).
        enum JSONLeaf: Decodable {
            case string(String), other
            init(from decoder: any Decoder) throws {
                self = (try? decoder.singleValueContainer().decode(String.self)).map(JSONLeaf.string) ?? .other
            }
        }

        @Test func ordersSettleExactlyOnceWhenACatalogProcessDies() async throws {
            // tansu: it expires the killed member's session and hands its partitions over.
            let broker = try await KafkaBroker(.tansu)
            let (url, drop) = try await freshPostgresURL()
            defer { Task { await drop() } }
            let kafka = [
                "BAZAAR_KAFKA_BROKERS": broker.address, "BAZAAR_EVENT_TRANSPORT": "kafka", "BAZAAR_KAFKA_SESSION_TIMEOUT_MS": "6000",
                "BAZAAR_UPSTREAM_HEALTH_INTERVAL_MS": "200", "BAZAAR_LIBRDKAFKA": try KafkaBroker.libraryForTansu,
            ]
            func serve(_ modules: String, _ environment: [String: String] = [:]) async throws -> LiveProcess {
                let process = try LiveProcess(
                    arguments: ["serve", "--modules", modules, "--database", url],
                    environment: kafka.merging(environment) { _, new in new }, port: LiveProcess.freePort())
                try await process.waitUntilReady()
                return process
            }
            let catalogs = [try await serve("catalog"), try await serve("catalog")]
            defer { for catalog in catalogs { catalog.stop() } }
            let core = try await serve(
                "identity,cart,ordering,promotions",
                ["BAZAAR_CATALOG_URL": catalogs.map { "http://127.0.0.1:\($0.port)" }.joined(separator: ",")])
            defer { core.stop() }
            let shop = Loopback(port: core.port)
            let survivor = Loopback(port: catalogs[1].port)

            let login = try await shop.request(
                "POST", "/api/v1/auth/login", json: #"{"email":"\#(TestBazaar.adminEmail)","password":"\#(TestBazaar.adminPassword)"}"#)
            let admin = try JSONDecoder().decode(Session.self, from: login.1).accessToken
            var products: [String] = []
            for index in 0..<4 {
                let created = try await survivor.request(
                    "POST", "/api/v1/products", token: admin,
                    json:
                        #"{"sku":"GROUP-\#(index)","name":"Group \#(index)","description":"","price":{"amount":300,"currency":"USD"},"stock":5}"#
                )
                #expect(created.0 == 201, "\(String(decoding: created.1, as: UTF8.self))")
                products.append(try JSONDecoder().decode(Product.self, from: created.1).id)
            }
            var buyers: [String] = []
            for index in 0..<6 {
                let registered = try await shop.request(
                    "POST", "/api/v1/auth/register", json: #"{"email":"group-\#(index)@example.com","password":"password-123","name":"G"}"#)
                buyers.append(try JSONDecoder().decode(Session.self, from: registered.1).accessToken)
            }

            // 24 orders of one item over 4 products of 5: 20 can be confirmed, 4 must be rejected.
            // The first Catalog process dies once a third of them are placed.
            let placed = Tally()
            let victim = catalogs[0]
            let killer = Task {
                while placed.count < 8 { try await Task.sleep(for: .milliseconds(5)) }
                victim.kill()
            }
            let (buyerTokens, productIDs) = (buyers, products)
            let orders = try await withThrowingTaskGroup(of: [(String, String)].self) { group in
                for (index, token) in buyerTokens.enumerated() {
                    group.addTask {
                        var mine: [(String, String)] = []
                        for round in 0..<4 {
                            let (status, body) = try await shop.request(
                                "POST", "/api/v1/orders", token: token,
                                json:
                                    #"{"items":[{"productId":"\#(productIDs[(index + round) % 4])","quantity":1}],"paymentMethod":"onDelivery"}"#,
                                headers: ["Idempotency-Key": "group-\(index)-\(round)"])
                            #expect(status == 202, "\(String(decoding: body, as: UTF8.self))")
                            mine.append((token, try JSONDecoder().decode(Order.self, from: body).id))
                            placed.add()
                        }
                        return mine
                    }
                }
                var all: [(String, String)] = []
                for try await mine in group { all += mine }
                return all
            }
            try await killer.value
            #expect(orders.count == 24)

            // Every order leaves pending (the dead process's partitions move to the survivor
            // after its session times out).
            var statuses: [String: String] = [:]
            try await waitUntil("every order to settle", timeout: .seconds(90)) {
                for (token, id) in orders where statuses[id] == nil || statuses[id] == "pending" {
                    let (_, body) = try await shop.request("GET", "/api/v1/orders/\(id)", token: token)
                    statuses[id] = try JSONDecoder().decode(Order.self, from: body).status
                }
                return statuses.values.allSatisfy { $0 != "pending" }
            }
            #expect(statuses.values.filter { $0 == "confirmed" }.count == 20)
            #expect(statuses.values.filter { $0 == "rejected" }.count == 4)
            var stock = 0
            for product in products {
                stock += try JSONDecoder().decode(Product.self, from: try await survivor.request("GET", "/api/v1/products/\(product)").1)
                    .stock
            }
            #expect(stock == 0)

            // Catalog answered each order exactly once: one reservation or one rejection.
            var answers: [String: Int] = [:]
            for type in ["stock.reserved", "stock.rejected"] {
                let (_, body) = try await survivor.request("GET", "/api/v1/admin/events?type=\(type)&limit=100", token: admin)
                for event in try JSONDecoder().decode(Events.self, from: body).items {
                    if case .string(let order) = event.payload["orderID"] { answers[order, default: 0] += 1 }
                }
            }
            #expect(Set(answers.keys) == Set(orders.map(\.1)))
            #expect(answers.values.allSatisfy { $0 == 1 }, "\(answers.filter { $0.value != 1 })")
        }
    }
}
