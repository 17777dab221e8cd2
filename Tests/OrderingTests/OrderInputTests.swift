import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import Testing
import TestSupport

@Suite("Orders: idempotency and bad input")
struct OrderInputTests {
    @Test(arguments: TestEngine.allCases)
    func replaysReturnTheSameResponseAndADifferentBodyIs422(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let cup = try await app.createProduct(admin: admin, sku: "CUP", stock: 10)
            let user = try await app.register(email: "idem@example.com").accessToken
            let body = #"{"items":[{"productId":"\#(cup.id)","quantity":1}],"paymentMethod":"onDelivery"}"#
            let first = try await app.placeOrder(token: user, key: "key-1", json: body)
            #expect(first.status == .accepted)
            let spaced = #"{ "paymentMethod" : "onDelivery", "items" : [ { "quantity" : 1, "productId" : "\#(cup.id)" } ] }"#
            let replay = try await app.placeOrder(token: user, key: "key-1", json: spaced)
            #expect(replay.status == .accepted)
            #expect(replay.text == first.text)
            #expect(replay.headers[.idempotentReplayedTest] == "true")
            // The 202 is the order itself, as GET /orders/{id} shows it at that moment, with its address.
            let placed = try first.placedOrder()
            #expect(placed.status == "pending")
            #expect(first.headers[.location] == "/api/v1/orders/\(placed.id)")
            #expect(replay.headers[.location] == "/api/v1/orders/\(placed.id)")
            let fetched = try await app.request(.get, "/api/v1/orders/\(placed.id)", token: user).decode(JSONValue.self)
            let answered = try first.decode(JSONValue.self)
            #expect(Set(fetched.keys) == Set(answered.keys))
            #expect(fetched["id"] == answered["id"] && fetched["items"] == answered["items"] && fetched["total"] == answered["total"])

            let different = try await app.placeOrder(
                token: user, key: "key-1", json: #"{"items":[{"productId":"\#(cup.id)","quantity":2}],"paymentMethod":"onDelivery"}"#)
            #expect(different.status == .unprocessableContent)
            #expect(try different.problem().status == 422)

            // Keys are per user: another user may use the same key.
            let other = try await app.register(email: "idem2@example.com").accessToken
            #expect(try await app.placeOrder(token: other, key: "key-1", json: body).status == .accepted)
            let mine = try await app.request(.get, "/api/v1/orders", token: user).decode(Page<OrderBody>.self)
            #expect(mine.items.count == 1)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func theSameKeyTwentyTimesAtOnceCreatesOneOrder(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let cup = try await app.createProduct(admin: admin, sku: "CUP", stock: 100)
            let user = try await app.register(email: "burst@example.com").accessToken
            let body = #"{"items":[{"productId":"\#(cup.id)","quantity":1}],"paymentMethod":"onDelivery"}"#
            let responses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let response = try await app.placeOrder(token: user, key: "same-key", json: body)
                        return (response.status, response.text)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.allSatisfy { $0.0 == .accepted })
            #expect(Set(responses.map(\.1)).count == 1)
            let orders = try await app.request(.get, "/api/v1/orders", token: user).decode(Page<OrderBody>.self)
            #expect(orders.items.count == 1)
            #expect(try await app.bazaar.platform.events.recent(type: "order.placed", limit: 50).count == 1)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func badOrdersAreRefusedAndWriteNothing(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let cup = try await app.createProduct(admin: admin, sku: "CUP", stock: 10)
            let user = try await app.register(email: "badorder@example.com").accessToken
            let item = #"{"productId":"\#(cup.id)","quantity":1}"#
            let cases: [(String, String)] = [
                (#"{"items":[\#(item)]}"#, "paymentMethod"),
                (#"{"items":[\#(item)],"paymentMethod":"cash"}"#, "paymentMethod"),
                (#"{"items":[],"paymentMethod":"onDelivery"}"#, "items"),
                (#"{"paymentMethod":"onDelivery"}"#, "items"),
                (#"{"items":[{"productId":"\#(cup.id)","quantity":0}],"paymentMethod":"onDelivery"}"#, "items[0].quantity"),
                (#"{"items":[{"productId":"\#(cup.id)","quantity":1001}],"paymentMethod":"onDelivery"}"#, "items[0].quantity"),
                (#"{"items":[{"productId":"\#(cup.id)","quantity":"1"}],"paymentMethod":"onDelivery"}"#, "items[0].quantity"),
                (#"{"items":[{"productId":"nope","quantity":1}],"paymentMethod":"onDelivery"}"#, "items[0].productId"),
                (#"{"items":[\#(item)],"fromCart":true,"paymentMethod":"onDelivery"}"#, "fromCart"),
                (#"{"items":[\#(item)],"paymentMethod":"onDelivery","total":1}"#, "total"),
            ]
            for (body, field) in cases {
                let response = try await app.placeOrder(token: user, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                let fields = try response.problem().fields
                #expect(fields.contains(field), "\(body) → \(fields)")
            }
            #expect(try await app.placeOrder(token: user, json: "{").status == .badRequest)
            let noKey = try await app.request(
                .post, "/api/v1/orders", token: user, json: #"{"items":[\#(item)],"paymentMethod":"onDelivery"}"#)
            #expect(noKey.status == .badRequest)
            #expect(try noKey.problem().fields == ["Idempotency-Key"])
            #expect(
                try await app.placeOrder(
                    token: user, key: String(repeating: "k", count: 256), json: #"{"items":[\#(item)],"paymentMethod":"onDelivery"}"#
                ).status == .badRequest)
            #expect(
                try await app.request(.post, "/api/v1/orders", json: #"{"items":[\#(item)],"paymentMethod":"onDelivery"}"#).status
                    == .unauthorized)

            let orders = try await app.request(.get, "/api/v1/orders", token: user).decode(Page<OrderBody>.self)
            #expect(orders.items.isEmpty)
            #expect(try await app.bazaar.platform.events.recent(type: "order.placed", limit: 5).isEmpty)
            #expect(try await app.request(.get, "/api/v1/orders?limit=0", token: user).status == .badRequest)
            #expect(try await app.request(.get, "/api/v1/orders?cursor=%%%", token: user).status == .badRequest)
        }
    }
}

@Suite("Orders: wallet payments switched off")
struct WalletSwitchedOffTests {
    @Test(arguments: TestEngine.allCases)
    func walletOrdersAreRefusedWithoutPromotions(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, configure: { $0.walletPayments = false }) { app in
            let admin = try await app.admin().accessToken
            let cup = try await app.createProduct(admin: admin, sku: "CUP", stock: 10)
            let user = try await app.register(email: "nowallet@example.com").accessToken
            let response = try await app.placeOrder(
                token: user, json: #"{"items":[{"productId":"\#(cup.id)","quantity":1}],"paymentMethod":"wallet"}"#)
            #expect(response.status == .unprocessableContent)
            #expect(try response.problem().fields == ["paymentMethod"])
        }
    }
}

extension HTTPField.Name {
    static let idempotentReplayedTest = HTTPField.Name("Idempotent-Replayed")!
}
