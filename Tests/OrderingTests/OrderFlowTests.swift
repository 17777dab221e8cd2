import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformDatabase
import Testing
import TestSupport

@Suite("Orders: saga, cancellation, admin moves")
struct OrderFlowTests {
    @Test(arguments: TestEngine.allCases)
    func placedOrdersAreConfirmedOrRejectedByTheSaga(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let lamp = try await app.createProduct(admin: admin, sku: "LAMP", name: "Lamp", price: 4500, stock: 3)
            let bulb = try await app.createProduct(admin: admin, sku: "BULB", name: "Bulb", price: 300, stock: 10)
            let user = try await app.register(email: "orders@example.com").accessToken

            let placed = try await app.placeOrder(token: user, items: [(lamp.id, 2), (bulb.id, 4)])
            #expect(placed.status == "pending")
            #expect(placed.total == Price(amount: 2 * 4500 + 4 * 300, currency: "USD"))
            #expect(placed.items.map(\.name) == ["Lamp", "Bulb"])
            let confirmed = try await app.settled(placed.id, token: user)
            #expect(confirmed.status == "confirmed")
            #expect(try await app.product(lamp.id)?.stock == 1)
            #expect(try await app.product(bulb.id)?.stock == 6)

            let tooMany = try await app.placeOrder(token: user, items: [(lamp.id, 2), (bulb.id, 1)])
            let rejected = try await app.settled(tooMany.id, token: user)
            #expect(rejected.status == "rejected")
            #expect(rejected.reason?.contains("insufficient stock") == true)
            #expect(try await app.product(lamp.id)?.stock == 1)
            #expect(try await app.product(bulb.id)?.stock == 6)

            // Snapshots survive product changes and deletion.
            _ = try await app.request(
                .patch, "/api/v1/products/\(lamp.id)", token: admin, json: #"{"name":"Renamed","price":{"amount":1,"currency":"USD"}}"#)
            _ = try await app.request(.delete, "/api/v1/products/\(bulb.id)", token: admin)
            let later = try #require(try await app.order(placed.id, token: user))
            #expect(later.items.map(\.name) == ["Lamp", "Bulb"])
            #expect(later.total == placed.total)

            let events = try await app.bazaar.platform.events.recent(type: "order.status-changed", limit: 10)
            #expect(events.count == 2)
            #expect(events.contains { $0.payload.contains(#""from":"pending""#) && $0.payload.contains(#""to":"confirmed""#) })
        }
    }

    @Test(arguments: TestEngine.allCases)
    func cancellingReleasesStockAndOnlyOwnersMayCancel(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let chair = try await app.createProduct(admin: admin, sku: "CHAIR", stock: 5)
            let owner = try await app.register(email: "owner@example.com").accessToken
            let other = try await app.register(email: "other@example.com").accessToken
            let order = try await app.placeOrder(token: owner, items: [(chair.id, 2)])
            #expect(try await app.settled(order.id, token: owner).status == "confirmed")

            #expect(try await app.request(.get, "/api/v1/orders/\(order.id)", token: other).status == .notFound)
            #expect(try await app.request(.post, "/api/v1/orders/\(order.id)/cancel", token: other).status == .notFound)
            let listed = try await app.request(.get, "/api/v1/orders", token: other).decode(Page<OrderBody>.self)
            #expect(listed.items.isEmpty)

            let cancelled = try await app.request(.post, "/api/v1/orders/\(order.id)/cancel", token: owner)
            #expect(try cancelled.decode(OrderBody.self).status == "cancelled")
            try await waitUntil("stock released") { try await app.product(chair.id)?.stock == 5 }
            #expect(try await app.request(.post, "/api/v1/orders/\(order.id)/cancel", token: owner).status == .conflict)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func cancellingWhilePendingNeverLeavesAReservation(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let desk = try await app.createProduct(admin: admin, sku: "DESK", stock: 4)
            let user = try await app.register(email: "quick@example.com").accessToken
            for _ in 0..<5 {
                let order = try await app.placeOrder(token: user, items: [(desk.id, 1)])
                let response = try await app.request(.post, "/api/v1/orders/\(order.id)/cancel", token: user)
                #expect(response.status == .ok)
            }
            try await waitUntil("every reservation released") {
                let released = try await app.bazaar.platform.events.recent(type: "stock.released", limit: 10).count
                let reserved = try await app.bazaar.platform.events.recent(type: "stock.reserved", limit: 10).count
                return reserved == 5 && released == 5
            }
            #expect(try await app.product(desk.id)?.stock == 4)
            let orders = try await app.request(.get, "/api/v1/orders", token: user).decode(Page<OrderBody>.self)
            #expect(orders.items.allSatisfy { $0.status == "cancelled" })
        }
    }

    @Test(arguments: TestEngine.allCases)
    func adminsMoveOrdersThroughTheMachine(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let rug = try await app.createProduct(admin: admin, sku: "RUG", stock: 10)
            let user = try await app.register(email: "ship@example.com")
            let first = try await app.placeOrder(token: user.accessToken, items: [(rug.id, 1)])
            _ = try await app.settled(first.id, token: user.accessToken)

            func move(_ id: String, _ status: String) async throws -> HTTPResponse.Status {
                try await app.request(.put, "/api/v1/admin/orders/\(id)/status", token: admin, json: #"{"status":"\#(status)"}"#).status
            }
            #expect(try await move(first.id, "delivered") == .conflict)
            #expect(try await move(first.id, "pending") == .conflict)
            #expect(try await move(first.id, "shipped") == .ok)
            #expect(try await move(first.id, "cancelled") == .conflict)
            #expect(try await move(first.id, "delivered") == .ok)
            #expect(try await move(first.id, "shipped") == .conflict)
            #expect(try await move("missing", "shipped") == .notFound)
            #expect(try await app.request(.post, "/api/v1/orders/\(first.id)/cancel", token: user.accessToken).status == .conflict)

            let bad = try await app.request(.put, "/api/v1/admin/orders/\(first.id)/status", token: admin, json: #"{"status":"lost"}"#)
            #expect(bad.status == .unprocessableContent)

            let delivered = try await app.request(.get, "/api/v1/admin/orders?status=delivered", token: admin).decode(Page<OrderBody>.self)
            #expect(delivered.items.map(\.id) == [first.id])
            let mine = try await app.request(.get, "/api/v1/admin/orders?userId=\(user.user.id)", token: admin).decode(Page<OrderBody>.self)
            #expect(mine.items.count == 1)
            #expect(try await app.request(.get, "/api/v1/admin/orders?status=lost", token: admin).status == .badRequest)

            for (method, path, body) in [
                (HTTPRequest.Method.get, "/api/v1/admin/orders", nil as String?),
                (.put, "/api/v1/admin/orders/\(first.id)/status", #"{"status":"shipped"}"#),
            ] {
                #expect(try await app.request(method, path, token: user.accessToken, json: body).status == .forbidden)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func ordersFromTheCartEmptyIt(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let pen = try await app.createProduct(admin: admin, sku: "PEN", price: 150, stock: 20)
            let user = try await app.register(email: "cartorder@example.com").accessToken
            let empty = try await app.placeOrder(token: user, json: #"{"fromCart":true,"paymentMethod":"onDelivery"}"#)
            #expect(empty.status == .unprocessableContent)
            _ = try await app.request(.put, "/api/v1/cart/items/\(pen.id)", token: user, json: #"{"quantity":4}"#)
            let response = try await app.placeOrder(token: user, json: #"{"fromCart":true,"paymentMethod":"onDelivery"}"#)
            #expect(response.status == .accepted)
            let order = try response.placedOrder()
            #expect(order.items.first?.quantity == 4)
            #expect(try await app.settled(order.id, token: user).status == "confirmed")
            try await waitUntil("the cart to empty") {
                try await app.request(.get, "/api/v1/cart", token: user).text.contains(#""items":[]"#)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func profileChangesReachUnshippedOrdersOnly(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let box = try await app.createProduct(admin: admin, sku: "BOX", stock: 10)
            let user = try await app.register(email: "mover@example.com").accessToken
            let address = #"{"address":{"line1":"1 Old Rd","city":"Oldtown","postalCode":"111","country":"US"},"phone":"+1 555 0100"}"#
            _ = try await app.request(.patch, "/api/v1/users/me", token: user, json: address)
            try await waitUntil("ordering to learn the address") {
                let order = try await app.placeOrder(token: user, items: [(box.id, 1)])
                return order.shippingAddress?.city == "Oldtown"
            }
            let shipped = try await app.placeOrder(token: user, items: [(box.id, 1)])
            _ = try await app.settled(shipped.id, token: user)
            _ = try await app.request(.put, "/api/v1/admin/orders/\(shipped.id)/status", token: admin, json: #"{"status":"shipped"}"#)
            let open = try await app.placeOrder(token: user, items: [(box.id, 1)])
            #expect(open.phone == "+1 555 0100")

            _ = try await app.request(
                .patch, "/api/v1/users/me", token: user,
                json: #"{"address":{"line1":"2 New St","city":"Newville","postalCode":"222","country":"US"}}"#)
            try await waitUntil("the open order to move") { try await app.order(open.id, token: user)?.shippingAddress?.city == "Newville" }
            #expect(try await app.order(shipped.id, token: user)?.shippingAddress?.city == "Oldtown")
        }
    }

    /// The answer to a placed order is built from what was written, not read back: it is what a
    /// read of the order returns (shipping details included), and a replay of the key returns it
    /// byte for byte. Placing costs the same statements for one line as for six.
    @Test(arguments: TestEngine.allCases)
    func thePlacementAnswerIsTheOrderAsStoredAndLinesCostNoStatements(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            var products: [String] = []
            for index in 0..<8 { products.append(try await app.createProduct(admin: admin, sku: "LINE-\(index)", stock: 50).id) }
            let user = try await app.register(email: "lines@example.com").accessToken
            let details = #"{"address":{"line1":"3 Line Rd","city":"Linton","postalCode":"333","country":"US"},"phone":"+1 555 0199"}"#
            _ = try await app.request(.patch, "/api/v1/users/me", token: user, json: details)
            try await waitUntil("ordering to learn the address") {
                try await app.placeOrder(token: user, items: [(products[7], 1)]).shippingAddress?.city == "Linton"
            }

            func counted(_ lines: ArraySlice<String>, key: String) async throws -> (statements: Int, response: TestResponse) {
                let items = lines.map { #"{"productId":"\#($0)","quantity":2}"# }.joined(separator: ",")
                let counter = StatementCounter()
                let response = try await StatementCounter.$current.withValue(counter) {
                    try await app.placeOrder(token: user, key: key, json: #"{"items":[\#(items)],"paymentMethod":"onDelivery"}"#)
                }
                return (counter.statements, response)
            }
            // Products not ordered before on both sides, so neither lookup is answered from a cache.
            let one = try await counted(products[0..<1], key: "one-line")
            let six = try await counted(products[1..<7], key: "six-lines")
            #expect(one.response.status == .accepted && six.response.status == .accepted)
            #expect(one.statements > 0)
            #expect(six.statements == one.statements, "1 line: \(one.statements) statements, 6 lines: \(six.statements)")

            func fields(_ text: String) throws -> NSDictionary {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                return object.filter { $0.key != "status" && $0.key != "updatedAt" } as NSDictionary  // the saga moves these
            }
            let placed = six.response.text
            let id = try #require(try fields(placed)["id"] as? String)
            let read = try await app.request(.get, "/api/v1/orders/\(id)", token: user)
            #expect(try fields(read.text) == fields(placed))
            #expect(try six.response.decode(OrderBody.self).items.count == 6)
            #expect(try six.response.decode(OrderBody.self).phone == "+1 555 0199")

            let replay = try await counted(products[1..<7], key: "six-lines")
            #expect(replay.response.status == .accepted)
            #expect(replay.response.text == placed)
        }
    }
}
