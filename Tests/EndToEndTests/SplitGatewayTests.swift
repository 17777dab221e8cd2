import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HummingbirdWSClient
import Logging
import PlatformCore
import Testing
import TestSupport

/// The gateway as its own process in front of module processes on one PostgreSQL: REST is
/// routed to the module that serves it, GraphQL gives the same answers as in one process,
/// product reads are cached and emptied by changes, and a module that is down or silent is a
/// 502 or 504 until it is back.
extension MultiProcess {
    @Suite("Gateway split across processes", .serialized)
    struct SplitGatewayTests {
        @Test func gatewayRoutesCachesAndSurvivesAModuleOutage() async throws {
            let (url, drop) = try await freshPostgresURL()
            defer { Task { await drop() } }
            let modules = ["BAZAAR_TRUST_FORWARDED_FOR": "true"]

            let shop = try LiveProcess(
                arguments: ["serve", "--modules", "identity,catalog,cart", "--database", url], environment: modules,
                port: LiveProcess.freePort())
            defer { shop.stop() }
            try await shop.waitUntilReady()
            let shopURL = "http://127.0.0.1:\(shop.port)"
            let ordersPort = LiveProcess.freePort()
            func startOrders() async throws -> LiveProcess {
                let process = try LiveProcess(
                    arguments: [
                        "serve", "--modules", "ordering,promotions,notifications", "--database", url, "--catalog-url", shopURL,
                        "--cart-url", shopURL,
                    ],
                    environment: modules, port: ordersPort)
                try await process.waitUntilReady()
                return process
            }
            var orders: LiveProcess? = try await startOrders()
            defer { orders?.stop() }
            let silent = try SilentListener()
            defer { silent.close() }
            let ordersURL = "http://127.0.0.1:\(ordersPort)"
            // The module timeout must outlast a first placeOrder on a CI machine running the rest of
            // the suite beside it (4 s did not, once); the silent module costs the test that long.
            let gateway = try LiveProcess(
                arguments: ["serve", "--modules", "gateway", "--database", url],
                environment: [
                    "BAZAAR_IDENTITY_URL": shopURL, "BAZAAR_CATALOG_URL": shopURL, "BAZAAR_CART_URL": shopURL,
                    "BAZAAR_ORDERING_URL": ordersURL,
                    "BAZAAR_NOTIFICATIONS_URL": ordersURL, "BAZAAR_PROMOTIONS_URL": "http://127.0.0.1:\(silent.port)",
                    "BAZAAR_GATEWAY_TIMEOUT_MS": "10000",
                    "BAZAAR_GRAPHQL_INTROSPECTION": "true",
                ], port: LiveProcess.freePort())
            defer { gateway.stop() }
            try await gateway.waitUntilReady()

            func graphQL(_ query: String, token: String? = nil) async throws -> JSONValue {
                try await Loopback(port: gateway.port).graphQL(query, token: token)
            }

            // REST through the gateway: identity and catalog answer from the shop process.
            let login = try await gateway.request(
                "POST", "/api/v1/auth/login", json: #"{"email":"\#(TestBazaar.adminEmail)","password":"\#(TestBazaar.adminPassword)"}"#)
            #expect(login.0 == 200)
            let admin = try JSONDecoder().decode(Session.self, from: login.1).accessToken
            // The web front from the gateway; a browser's session cookie set and used through it.
            #expect(try await Loopback(port: gateway.port).text("/").contains(#"src="/assets/store.js""#))
            let browserLogin = try await Loopback(port: gateway.port).exchange(
                "POST", "/api/v1/auth/login", json: #"{"email":"\#(TestBazaar.adminEmail)","password":"\#(TestBazaar.adminPassword)"}"#,
                headers: ["Session-Cookie": "true"])
            #expect(browserLogin.0 == 200)
            // Foundation joins the two Set-Cookie fields with a comma.
            let setCookies = browserLogin.2["set-cookie"] ?? ""
            let refreshCookie = try #require(setCookies.firstMatch(of: /bazaar_refresh=([^;]+)/)?.output.1)
            let csrfCookie = try #require(setCookies.firstMatch(of: /bazaar_csrf=([^;]+)/)?.output.1)
            #expect(setCookies.contains("HttpOnly"))
            let browserRefresh = try await Loopback(port: gateway.port).exchange(
                "POST", "/api/v1/auth/refresh",
                headers: ["Cookie": "bazaar_refresh=\(refreshCookie); bazaar_csrf=\(csrfCookie)", "X-CSRF-Token": String(csrfCookie)])
            #expect(browserRefresh.0 == 200, "\(String(decoding: browserRefresh.1, as: UTF8.self))")
            #expect(browserRefresh.2["set-cookie"]?.contains("bazaar_refresh=") == true)
            // The gateway verifies tokens itself: a key it has not read from the event log yet is looked up.
            #expect(try await gateway.request("GET", "/api/v1/users/me", token: admin).0 == 200)
            // A made-up X-Forwarded-For does not reach the module (which trusts the header): the
            // gateway sends the address it saw.
            let created = try await gateway.requestWithHeaders(
                "POST", "/api/v1/products", token: admin,
                json: #"{"sku":"GW-1","name":"Gate","description":"","price":{"amount":700,"currency":"USD"},"stock":5}"#,
                headers: ["X-Forwarded-For": "203.0.113.9"])
            #expect(created.0 == 201)
            let audit = try JSONDecoder().decode(
                JSONValue.self, from: try await shop.request("GET", "/api/v1/admin/audit?action=POST%20/api/v1/products", token: admin).1)
            #expect(audit["items"][0]["clientAddress"].string == "127.0.0.1", "\(audit)")
            let productID = try #require(try JSONDecoder().decode(JSONValue.self, from: created.1)["id"].string)
            let buyer = try await graphQL(
                #"mutation { register(email: "gw-buyer@example.com", password: "password-123", name: "G") { accessToken } }"#)
            let token = try #require(buyer["data"]["register"]["accessToken"].string)
            // A stock GraphQL client (gql) loads the schema from the gateway and queries through it.
            let gqlClient = try PeerProcess(
                script: "graphql_client.py", arguments: ["--url", "http://127.0.0.1:\(gateway.port)/graphql", "--token", token])
            defer { gqlClient.stop() }
            #expect(try await gqlClient.waitForExit(timeout: .seconds(60)) == 0, "\(gqlClient.output)")
            #expect(gqlClient.output.contains(#"RESULT emptyProduct {"product": null}"#))
            #expect(gqlClient.output.contains { $0.hasPrefix("RESULT me ") && $0.contains("gw-buyer@example.com") })

            // GraphQL: the same schema, resolved across both processes.
            let placed = try await graphQL(
                #"mutation { placeOrder(idempotencyKey: "gw-1", items: [{productId: "\#(productID)", quantity: 2}], paymentMethod: onDelivery) { id status } }"#,
                token: token)
            let orderID = try #require(
                placed["data"]["placeOrder"]["id"].string,
                "\(placed)\n--- ordering process:\n\(orders?.output ?? "")\n--- gateway:\n\(gateway.output)\n--- shop:\n\(shop.output)")
            var confirmed = JSONValue.null
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                confirmed = try await graphQL("{ orders { nodes { id status items { quantity product { name stock } } } } }", token: token)
                if confirmed["data"]["orders"]["nodes"][0]["status"].string == "confirmed" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(confirmed["data"]["orders"]["nodes"][0]["id"].string == orderID)
            #expect(confirmed["data"]["orders"]["nodes"][0]["status"].string == "confirmed")
            #expect(confirmed["data"]["orders"]["nodes"][0]["items"][0]["product"]["name"].string == "Gate")

            // Cache: a write through the gateway shows on the next read; a write straight at the
            // catalog process reaches the gateway's cache through the event log.
            func stock() async throws -> Int? {
                try JSONDecoder().decode(JSONValue.self, from: try await gateway.request("GET", "/api/v1/products/\(productID)").1)["stock"]
                    .int
            }
            let cachedStock = try await stock()
            #expect(try await gateway.request("PUT", "/api/v1/products/\(productID)/stock", token: admin, json: #"{"stock":40}"#).0 == 200)
            #expect(try await stock() == 40)
            #expect(cachedStock == 3)
            #expect(try await shop.request("PUT", "/api/v1/products/\(productID)/stock", token: admin, json: #"{"stock":41}"#).0 == 200)
            let invalidated = ContinuousClock.now + .seconds(10)
            while try await stock() != 41, ContinuousClock.now < invalidated { try await Task.sleep(for: .milliseconds(50)) }
            #expect(try await stock() == 41)
            let metrics = String(decoding: try await gateway.request("GET", "/metrics").1, as: UTF8.self)
            #expect(metrics.contains(#"bazaar_cache_requests_total{cache="gateway",result="hit"}"#))

            // A silent module: 504 after the timeout. A module that is down: 502, in REST and GraphQL; back up: served again.
            let slow = try await gateway.request("GET", "/api/v1/wallet", token: token)
            #expect(slow.0 == 504)
            #expect(try JSONDecoder().decode(JSONValue.self, from: slow.1)["detail"].string?.contains("promotions") == true)
            orders?.stop()
            orders = nil
            let down = try await gateway.request("GET", "/api/v1/orders", token: token)
            #expect(down.0 == 502)
            #expect(try JSONDecoder().decode(JSONValue.self, from: down.1)["title"].string == "Bad Gateway")
            // The realtime relay: the upgrade is accepted, then closed with 1014 (Bad Gateway).
            var logger = Logger(label: "split-gateway-ws")
            logger.logLevel = .critical
            let closed = try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(gateway.port)/api/v1/notifications/stream",
                configuration: .init(additionalHeaders: [.authorization: "Bearer \(token)"]),
                logger: logger
            ) { inbound, _, _ in
                for try await _ in inbound {}
            }
            #expect(closed?.closeCode == .unknown(1014))
            let partial = try await graphQL(#"{ orders { nodes { id } } product(id: "\#(productID)") { name } }"#, token: token)
            #expect(partial["errors"][0]["extensions"]["code"].string == "SERVICE_UNAVAILABLE")
            #expect(partial["data"]["product"]["name"].string == "Gate")
            orders = try await startOrders()
            #expect(try await gateway.request("GET", "/api/v1/orders", token: token).0 == 200)
            #expect(try await graphQL("{ orders { nodes { id } } }", token: token)["data"]["orders"]["nodes"][0]["id"].string == orderID)
        }
    }
}

/// A loopback port that accepts connections (the kernel completes them) and never answers.
final class SilentListener: Sendable {
    private let socket: LoopbackSocket
    var port: Int { socket.port }

    init() throws {
        guard let socket = LoopbackSocket(), listen(socket.fd, 16) == 0 else { throw TimedOut(what: "a silent listener socket") }
        self.socket = socket
    }

    func close() { socket.close() }
}
