import Foundation
import Synchronization
import Testing
import TestSupport

/// A module served by several processes behind the gateway: calls are spread over them, a
/// process that dies mid-load costs no request (idempotent ones move to the other process,
/// the rest never went to it once it was marked down), it takes calls again once it is back,
/// and Socket.IO long-polling sessions stay with the process that opened them.
extension MultiProcess {
    @Suite("A module served by several processes", .serialized)
    struct SplitFailoverTests {
        struct Created: Decodable { let id: String; let stock: Int }

        @Test func gatewaySpreadsCallsFailsOverAndKeepsSessionsWithTheirProcess() async throws {
            let (url, drop) = try await freshPostgresURL()
            defer { Task { await drop() } }
            let behindGateway = ["BAZAAR_TRUST_FORWARDED_FOR": "true", "BAZAAR_UPSTREAM_HEALTH_INTERVAL_MS": "200"]
            func serve(
                _ modules: String, port: Int = LiveProcess.freePort(), _ environment: [String: String] = [:]
            ) async throws -> LiveProcess {
                let process = try LiveProcess(
                    arguments: ["serve", "--modules", modules, "--database", url],
                    environment: behindGateway.merging(environment) { _, new in new }, port: port)
                try await process.waitUntilReady()
                return process
            }
            func base(_ process: LiveProcess) -> String { "http://127.0.0.1:\(process.port)" }

            var catalogs = [try await serve("catalog"), try await serve("catalog")]
            defer { for catalog in catalogs { catalog.stop() } }
            let catalogURLs = catalogs.map(base).joined(separator: ",")
            let core = try await serve("identity,cart,ordering,promotions", ["BAZAAR_CATALOG_URL": catalogURLs])
            defer { core.stop() }
            let notifications = [try await serve("notifications"), try await serve("notifications")]
            defer { for process in notifications { process.stop() } }
            let gatewayProcess = try await serve(
                "gateway",
                [
                    "BAZAAR_IDENTITY_URL": base(core), "BAZAAR_CART_URL": base(core), "BAZAAR_ORDERING_URL": base(core),
                    "BAZAAR_PROMOTIONS_URL": base(core),
                    "BAZAAR_CATALOG_URL": catalogURLs, "BAZAAR_NOTIFICATIONS_URL": notifications.map(base).joined(separator: ","),
                ])
            defer { gatewayProcess.stop() }
            let gateway = Loopback(port: gatewayProcess.port)

            let login = try await gateway.request(
                "POST", "/api/v1/auth/login", json: #"{"email":"\#(TestBazaar.adminEmail)","password":"\#(TestBazaar.adminPassword)"}"#)
            let admin = try JSONDecoder().decode(Session.self, from: login.1).accessToken
            // Writes are spread over both Catalog processes.
            var productIDs: [String] = []
            for index in 0..<4 {
                let created = try await gateway.request(
                    "POST", "/api/v1/products", token: admin,
                    json:
                        #"{"sku":"MULTI-\#(index)","name":"Multi \#(index)","description":"","price":{"amount":300,"currency":"USD"},"stock":1000}"#
                )
                #expect(created.0 == 201, "\(String(decoding: created.1, as: UTF8.self))")
                productIDs.append(try JSONDecoder().decode(Created.self, from: created.1).id)
            }
            let products = productIDs
            for catalog in catalogs {
                #expect(
                    try await Loopback(port: catalog.port).text("/metrics").contains(
                        #"http_request_method="POST",http_response_status_code="201""#))
            }
            var sessions: [(id: String, token: String)] = []
            for index in 0..<6 {
                let registered = try await gateway.request(
                    "POST", "/api/v1/auth/register", json: #"{"email":"multi-\#(index)@example.com","password":"password-123","name":"M"}"#)
                let session = try JSONDecoder().decode(Session.self, from: registered.1)
                sessions.append((session.user.id, session.accessToken))
            }
            let buyers = sessions

            try await waitUntil("Notifications to know the first buyer (the welcome)") {
                String(decoding: try await gateway.request("GET", "/api/v1/notifications", token: buyers[0].token).1, as: UTF8.self)
                    .contains("welcome")
            }
            // Socket.IO through the gateway with two Notifications processes: every poll of a
            // session, and its upgrade, must reach the process that opened it.
            let polling = try PeerProcess(
                script: "socketio_client.py",
                arguments: [
                    "--url", "http://127.0.0.1:\(gateway.port)", "--token", buyers[0].token, "--transports", "polling", "--title", "Sticky",
                    "--seconds", "40",
                ])
            defer { polling.stop() }
            let upgraded = try PeerProcess(
                script: "socketio_client.py",
                arguments: [
                    "--url", "http://127.0.0.1:\(gateway.port)", "--token", buyers[0].token, "--title", "Sticky", "--seconds", "40",
                ])
            defer { upgraded.stop() }
            #expect(try await polling.line(startingWith: "ready ") == "ready polling", "\(polling.output)")
            #expect(try await upgraded.line(startingWith: "ready ") == "ready websocket", "\(upgraded.output)")
            // Several polls go by (each waits up to the ping interval, or for a message) before the notification.
            try await Task.sleep(for: .seconds(1))

            // Load: product reads that each reach a Catalog process (distinct targets, so the
            // gateway's cache does not answer them) and orders whose placement calls Catalog;
            // one Catalog process is killed once a third of the reads are done.
            let readsDone = Tally()
            let reads = 240
            let victim = catalogs[0]
            let killed = Task {
                while readsDone.count < reads / 3 { try await Task.sleep(for: .milliseconds(5)) }
                victim.kill()
                return readsDone.count
            }
            let statuses = try await withThrowingTaskGroup(of: [(String, Int)].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var answers: [(String, Int)] = []
                        for index in stride(from: worker, to: reads, by: 8) {
                            let status = try await gateway.request(
                                "GET", "/api/v1/products/\(products[index % products.count])?probe=\(index)"
                            ).0
                            answers.append(("read", status))
                            readsDone.add()
                        }
                        return answers
                    }
                }
                for (index, buyer) in buyers.enumerated() {
                    group.addTask {
                        var answers: [(String, Int)] = []
                        for round in 0..<3 {
                            let (status, _) = try await gateway.request(
                                "POST", "/api/v1/orders", token: buyer.token,
                                json:
                                    #"{"items":[{"productId":"\#(products[(index + round) % products.count])","quantity":2}],"paymentMethod":"onDelivery"}"#,
                                headers: ["Idempotency-Key": "multi-\(index)-\(round)"])
                            answers.append(("order", status))
                        }
                        return answers
                    }
                }
                var all: [(String, Int)] = []
                for try await answers in group { all += answers }
                return all
            }
            // Reads went on after the kill: some found the dead process's connections gone.
            #expect(try await killed.value < reads)
            let refusedReads = statuses.filter { $0.0 == "read" && $0.1 != 200 }
            let refusedOrders = statuses.filter { $0.0 == "order" && $0.1 != 202 }
            #expect(statuses.filter { $0.0 == "read" }.count == reads)
            #expect(refusedReads.isEmpty, "reads not answered 200: \(refusedReads)")
            #expect(refusedOrders.isEmpty, "orders not accepted: \(refusedOrders)")

            // Every order settles once, on the Catalog process left: 18 orders of 2.
            try await waitUntil("every order to settle", timeout: .seconds(60)) {
                try await Loopback(port: core.port).text("/metrics").contains(#"bazaar_orders{status="confirmed"} 18"#)
            }
            let ordering = try await Loopback(port: core.port).text("/metrics")
            #expect(ordering.contains(#"bazaar_orders{status="pending"} 0"#))
            var stock = 0
            for product in products {
                stock += try JSONDecoder().decode(
                    Created.self, from: try await Loopback(port: catalogs[1].port).request("GET", "/api/v1/products/\(product)").1
                ).stock
            }
            #expect(stock == 4 * 1000 - 18 * 2)

            // The gateway marked the dead process down; restarted, it is healthy and takes writes again.
            func health(_ port: Int) async throws -> Double? {
                try await gateway.text("/metrics").split(separator: "\n")
                    .first {
                        $0.hasPrefix("bazaar_upstream_healthy{") && $0.contains("127.0.0.1:\(port)\"") && $0.contains(#"module="catalog""#)
                    }
                    .flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            }
            let deadPort = victim.port
            #expect(try await health(deadPort) == 0)
            catalogs[0] = try await serve("catalog", port: deadPort)
            try await waitUntil("the gateway to see the restarted Catalog process") { try await health(deadPort) == 1 }
            for product in products {
                #expect(
                    try await gateway.request("PUT", "/api/v1/products/\(product)/stock", token: admin, json: #"{"stock":500}"#).0 == 200)
            }
            #expect(
                try await Loopback(port: deadPort).text("/metrics").contains(#"http_request_method="PUT",http_response_status_code="200""#))

            // The Socket.IO sessions lived through all of it, each on its own process.
            let posted = try await gateway.request(
                "POST", "/api/v1/admin/notifications", token: admin,
                json: #"{"userId":"\#(buyers[0].id)","title":"Sticky","body":"still here"}"#)
            #expect(posted.0 == 201)
            #expect(try await polling.waitForExit() == 0, "\(polling.output)")
            #expect(try await upgraded.waitForExit() == 0, "\(upgraded.output)")
            #expect(polling.output.contains("transport polling"))
            #expect(upgraded.output.contains("transport websocket"))
        }
    }
}

/// A count shared by concurrent tasks.
final class Tally: Sendable {
    private let value = Atomic<Int>(0)
    var count: Int { value.load(ordering: .relaxed) }
    func add() { value.add(1, ordering: .relaxed) }
}
