import BazaarServer
import Foundation
import HummingbirdWSClient
import Logging
import PlatformCore
import PlatformObservability
import Synchronization
import Testing
import TestSupport

/// The deployment topology, run by `scripts/cluster`: seven processes on one PostgreSQL, used
/// only through the gateway the way a client would (REST, GraphQL, the WebSocket stream,
/// Socket.IO), then checked from the operator's side: each process's `/metrics` passes
/// promtool, and `deploy/` (compose, Prometheus, the Grafana dashboard) matches what runs.
extension MultiProcess {
    @Suite("Cluster of scripts/cluster", .serialized)
    struct ClusterTests {
        @Test func everyModuleInItsOwnProcessBehindTheGateway() async throws {
            let (url, drop) = try await freshPostgresURL()
            defer { Task { await drop() } }
            // As deploy/docker-compose.yml runs it: events published to Kafka, consumers reading them there.
            let broker = try await KafkaBroker()
            let cluster = try await Cluster(
                database: url,
                environment: [
                    "BAZAAR_RATE_LIMIT_AUTH_PER_MINUTE": "20", "BAZAAR_KAFKA_BROKERS": broker.address, "BAZAAR_EVENT_TRANSPORT": "kafka",
                ])
            let gateway = cluster.gateway

            func graphQL(_ query: String, token: String? = nil) async throws -> JSONValue { try await gateway.graphQL(query, token: token) }

            // Accounts and a product, by REST and GraphQL through the gateway.
            let login = try await gateway.request(
                "POST", "/api/v1/auth/login", json: #"{"email":"\#(TestBazaar.adminEmail)","password":"\#(TestBazaar.adminPassword)"}"#)
            #expect(login.0 == 200)
            let admin = try JSONDecoder().decode(Session.self, from: login.1).accessToken
            let product = try await graphQL(
                #"mutation { adminCreateProduct(name: "Cluster lamp", description: "", price: {amount: 900, currency: "USD"}, stock: 3, sku: "CL-1") { id } }"#,
                token: admin)
            let productID = try #require(product["data"]["adminCreateProduct"]["id"].string, "\(product)")
            let registered = try await graphQL(
                #"mutation { register(email: "cluster@example.com", password: "password-123", name: "C") { accessToken user { id } } }"#)
            let buyer = try #require(registered["data"]["register"]["accessToken"].string, "\(registered)")
            let buyerID = try #require(registered["data"]["register"]["user"]["id"].string)
            try await waitUntil("Notifications to know the buyer (the welcome)") {
                try await graphQL("{ notifications { nodes { kind } } }", token: buyer)["data"]["notifications"]["nodes"][0]["kind"].string
                    == "welcome"
            }
            @Sendable func notify(_ title: String) async throws {
                let posted = try await gateway.request(
                    "POST", "/api/v1/admin/notifications", token: admin,
                    json: #"{"userId":"\#(buyerID)","title":"\#(title)","body":"relayed"}"#)
                #expect(posted.0 == 201)
            }

            // The WebSocket stream through the gateway's relay.
            let frames = Mutex<[String]>([])
            var logger = Logger(label: "cluster-ws")
            logger.logLevel = .critical
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(cluster.gatewayPort)/api/v1/notifications/stream",
                configuration: .init(additionalHeaders: [.authorization: "Bearer \(buyer)"]), logger: logger
            ) { inbound, outbound, _ in
                try await waitUntil("the relay and the Notifications process to hold the connection") {
                    let relayed = try await gateway.text("/metrics").contains("bazaar_gateway_realtime_connections 1")
                    let held = try await cluster.module("notifications").text("/metrics").contains("bazaar_realtime_connections 1")
                    return relayed && held
                }
                try await notify("Streamed")
                let read = try await readFrames(inbound, outbound, until: #""title":"Streamed""#)
                frames.withLock { $0 = read }
            }
            #expect(frames.withLock { $0 }.contains { $0.contains(#""title":"Streamed""#) })
            try await waitUntil("the relay to let go of the closed connection") {
                let relayed = try await gateway.text("/metrics").contains("bazaar_gateway_realtime_connections 0")
                let held = try await cluster.module("notifications").text("/metrics").contains("bazaar_realtime_connections 0")
                return relayed && held
            }
            // A bad token is refused before the upgrade, with Notifications' own answer; a plain GET is told to upgrade.
            await #expect(throws: (any Error).self) {
                try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(cluster.gatewayPort)/api/v1/notifications/stream?token=not-a-token", logger: logger
                ) { _, _, _ in }
            }
            #expect(try await gateway.request("GET", "/api/v1/notifications/stream?token=not-a-token").0 == 401)
            // What only the module can judge (a lastEventId it never gave) is refused after the upgrade: 1008, not 1014.
            let refusedReplay = try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(cluster.gatewayPort)/api/v1/notifications/stream?lastEventId=never-given",
                configuration: .init(additionalHeaders: [.authorization: "Bearer \(buyer)"]), logger: logger
            ) { inbound, _, _ in
                for try await _ in inbound {}
            }
            #expect(refusedReplay?.closeCode == .policyViolation)
            #expect(try await gateway.request("GET", "/api/v1/notifications/stream", token: buyer).0 == 426)

            // A stock Socket.IO client through the gateway: long-polling first, then the upgrade to WebSocket.
            let socket = try PeerProcess(
                script: "socketio_client.py",
                arguments: [
                    "--url", "http://127.0.0.1:\(cluster.gatewayPort)", "--token", buyer, "--count", "1", "--title", "Socketed",
                    "--seconds", "30",
                ])
            defer { socket.stop() }
            #expect(try await socket.line(startingWith: "ready ") == "ready websocket")
            try await waitUntil("the Socket.IO connection to reach Notifications") {
                try await cluster.module("notifications").text("/metrics").contains("bazaar_realtime_connections 1")
            }
            try await notify("Socketed")
            #expect(try await socket.waitForExit() == 0, "\(socket.output)")
            let messages = try socket.output.filter { $0.hasPrefix("message ") }.map {
                try JSONDecoder().decode(JSONValue.self, from: Data($0.dropFirst(8).utf8))
            }
            #expect(messages.contains { $0["title"].string == "Socketed" && $0["userId"].string == buyerID })
            #expect(socket.output.contains("transport websocket"))

            // Orders across Ordering, Catalog and Cart; the gauge on the Ordering process counts them.
            func place(_ key: String) async throws -> String {
                let placed = try await graphQL(
                    #"mutation { placeOrder(idempotencyKey: "\#(key)", items: [{productId: "\#(productID)", quantity: 2}], paymentMethod: onDelivery) { id } }"#,
                    token: buyer)
                return try #require(placed["data"]["placeOrder"]["id"].string, "\(placed)")
            }
            let kept = try await place("cluster-1")
            let refused = try await place("cluster-2")
            for id in [kept, refused] {
                try await waitUntil("order \(id) to settle") {
                    try await graphQL(#"{ order(id: "\#(id)") { status } }"#, token: buyer)["data"]["order"]["status"].string != "pending"
                }
            }
            // The orders' events are on Kafka, where an outside service reads them.
            try await waitUntil("the confirmation to reach Kafka") {
                try await broker.messages(in: "bazaar.order.status-changed").contains { $0.payload?.contains(#""to":"confirmed""#) == true }
            }
            let ordering = try await cluster.module("ordering").text("/metrics")
            #expect(gauge(ordering, #"bazaar_orders{status="confirmed"}"#) == 1)
            #expect(gauge(ordering, #"bazaar_orders{status="rejected"}"#) == 1)
            #expect(gauge(ordering, #"bazaar_orders{status="pending"}"#) == 0)

            // A refused GraphQL field is an HTTP 200: the gateway counts it by code.
            let refusedField = try await graphQL(#"{ order(id: "\#(kept)") { id } adminUsers { nodes { id } } }"#, token: buyer)
            #expect(refusedField["errors"][0]["extensions"]["code"].string == "FORBIDDEN")
            #expect(try await gateway.text("/metrics").contains(#"bazaar_graphql_errors_total{code="FORBIDDEN"}"#))

            // The gateway's auth limit (20 a minute here) refuses the rest of a burst.
            var limited = false
            for _ in 0..<25 where !limited {
                limited =
                    try await gateway.request(
                        "POST", "/api/v1/auth/login", json: #"{"email":"nobody@example.com","password":"wrong-password"}"#
                    ).0 == 429
            }
            #expect(limited)

            // Requests the gateway forwards are counted under the module's path prefix, not as unknown routes.
            let gatewayMetrics = try await gateway.text("/metrics")
            #expect(
                gatewayMetrics.contains(
                    #"bazaar_http_requests_total{http_route="/api/v1/auth/**",http_request_method="POST",http_response_status_code="200"}"#)
            )
            #expect(gatewayMetrics.contains(#"http_route="/api/v1/orders/**""#))
            #expect(!gatewayMetrics.contains(#"http_route="Unknown""#))

            // Operations: every process's exposition passes promtool, and deploy/ matches what ran.
            var expositions: [URL] = []
            defer { for file in expositions { try? FileManager.default.removeItem(at: file) } }
            for (name, http) in cluster.processes {
                let exposition = try await http.text("/metrics")
                let checked = try await Promtool.checkMetrics(exposition)
                #expect(checked.status == 0 && checked.output.isEmpty, "\(name): \(checked.output)")
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-\(name)-\(UUID().uuidString).txt")
                try Data(exposition.utf8).write(to: file)
                expositions.append(file)
            }
            let deploy = PeerProcess.repository.appendingPathComponent("deploy")
            let config = try await Promtool.checkConfig(deploy.appendingPathComponent("prometheus/prometheus.yml"))
            #expect(config.status == 0, "\(config.output)")
            let check = try PeerProcess(
                script: "check_deploy.py",
                arguments: [
                    deploy.path, "--modules", Cluster.modules.joined(separator: ","), "--families",
                    BazaarMetrics.families.joined(separator: ","),
                ]
                    + expositions.flatMap { ["--exposition", $0.path] })
            #expect(try await check.waitForExit() == 0, "\(check.output.joined(separator: "\n"))")
            #expect(check.output == ["deploy ok"], "\(check.output.joined(separator: "\n"))")
            #expect(Set(Cluster.modules + ["gateway"]) == Set(ModuleName.allCases.map(\.rawValue)))

            // Stopping the script stops every process it started.
            #expect(try await cluster.stop() == 130)  // the script's own exit on SIGTERM, after its clean-up
            for (name, http) in cluster.processes {
                let answered = (try? await http.request("GET", "/health/live")) != nil
                #expect(!answered, "\(name) still answers after the cluster stopped")
            }
        }

        func gauge(_ exposition: String, _ series: String) -> Double? {
            exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
        }
    }
}
