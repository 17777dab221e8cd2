import Foundation
import Platform
import Testing
import TestSupport

/// Catalog and Ordering as separate processes on one PostgreSQL: orders placed over HTTP at the
/// ordering process are confirmed, rejected and cancelled with stock exactly right.
extension MultiProcess {
    @Suite("Commerce split across processes", .serialized)
    struct SplitCommerceTests {
        struct Created: Decodable { let id: String; let stock: Int }
        struct Order: Decodable { let id: String; let status: String; let reason: String? }

        @Test func ordersFlowBetweenProcesses() async throws {
            let (url, drop) = try await freshPostgresURL()
            defer { Task { await drop() } }

            let shop = try LiveProcess(
                arguments: ["serve", "--modules", "identity,catalog,cart", "--database", url], port: LiveProcess.freePort())
            defer { shop.stop() }
            try await shop.waitUntilReady()
            let ordering = try LiveProcess(
                arguments: [
                    "serve", "--modules", "ordering", "--database", url, "--catalog-url", "http://127.0.0.1:\(shop.port)", "--cart-url",
                    "http://127.0.0.1:\(shop.port)",
                ],
                port: LiveProcess.freePort())
            defer { ordering.stop() }
            try await ordering.waitUntilReady()

            let login = try await shop.request(
                "POST", "/api/v1/auth/login", json: #"{"email":"\#(TestBazaar.adminEmail)","password":"\#(TestBazaar.adminPassword)"}"#)
            let admin = try JSONDecoder().decode(Session.self, from: login.1).accessToken
            let created = try await shop.request(
                "POST", "/api/v1/products", token: admin,
                json: #"{"sku":"SPLIT-1","name":"Split","description":"","price":{"amount":500,"currency":"USD"},"stock":5}"#)
            #expect(created.0 == 201)
            let product = try JSONDecoder().decode(Created.self, from: created.1)
            let registered = try await shop.request(
                "POST", "/api/v1/auth/register", json: #"{"email":"split-buyer@example.com","password":"password-123","name":"B"}"#)
            let buyer = try JSONDecoder().decode(Session.self, from: registered.1).accessToken

            func place(_ quantity: Int) async throws -> Order {
                let response = try await ordering.requestWithHeaders(
                    "POST", "/api/v1/orders", token: buyer,
                    json: #"{"items":[{"productId":"\#(product.id)","quantity":\#(quantity)}],"paymentMethod":"onDelivery"}"#,
                    headers: ["Idempotency-Key": UUID().uuidString])
                #expect(response.0 == 202, "\(String(decoding: response.1, as: UTF8.self))")
                return try JSONDecoder().decode(Order.self, from: response.1)
            }
            func settled(_ id: String) async throws -> Order {
                let deadline = ContinuousClock.now + .seconds(20)
                while ContinuousClock.now < deadline {
                    let (status, body) = try await ordering.request("GET", "/api/v1/orders/\(id)", token: buyer)
                    if status == 200, let order = try? JSONDecoder().decode(Order.self, from: body), order.status != "pending" {
                        return order
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                throw TimedOut(what: "order \(id) to settle across processes")
            }
            func stock() async throws -> Int {
                try JSONDecoder().decode(Created.self, from: try await shop.request("GET", "/api/v1/products/\(product.id)").1).stock
            }

            let kept = try await place(3)
            #expect(try await settled(kept.id).status == "confirmed")
            let refused = try await place(3)
            let rejected = try await settled(refused.id)
            #expect(rejected.status == "rejected")
            #expect(rejected.reason?.contains("insufficient stock") == true)
            #expect(try await stock() == 2)

            let cancel = try await ordering.request("POST", "/api/v1/orders/\(kept.id)/cancel", token: buyer)
            #expect(cancel.0 == 200)
            let deadline = ContinuousClock.now + .seconds(20)
            var restored = false
            while ContinuousClock.now < deadline, !restored {
                restored = try await stock() == 5
                if !restored { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(restored, "stock was not released across processes")

            // fromCart through the cart process, over HTTP with the buyer's token.
            _ = try await shop.request("PUT", "/api/v1/cart/items/\(product.id)", token: buyer, json: #"{"quantity":2}"#)
            let fromCart = try await ordering.requestWithHeaders(
                "POST", "/api/v1/orders", token: buyer, json: #"{"fromCart":true,"paymentMethod":"onDelivery"}"#,
                headers: ["Idempotency-Key": "cart-1"])
            #expect(fromCart.0 == 202)
            let cartOrder = try JSONDecoder().decode(Order.self, from: fromCart.1)
            #expect(try await settled(cartOrder.id).status == "confirmed")
            #expect(try await stock() == 3)
        }
    }
}
