import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Cart")
struct CartTests {
    struct Cart: Decodable {
        struct Line: Decodable { let productId: String; let name: String; let quantity: Int; let available: Int; let lineTotal: Price }
        let items: [Line]
        let total: Price?
        let itemCount: Int
    }

    @Test(arguments: TestEngine.allCases)
    func setViewAndClear(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let mug = try await app.createProduct(admin: admin, sku: "MUG", name: "Mug", price: 1250, stock: 5)
            let tea = try await app.createProduct(admin: admin, sku: "TEA", name: "Tea", price: 399, stock: 50)
            let user = try await app.register(email: "cart@example.com").accessToken

            #expect(try await app.request(.put, "/api/v1/cart/items/\(mug.id)", token: user, json: #"{"quantity":2}"#).status == .ok)
            let both = try await app.request(.put, "/api/v1/cart/items/\(tea.id)", token: user, json: #"{"quantity":3}"#).decode(Cart.self)
            #expect(both.items.map(\.name) == ["Mug", "Tea"])
            #expect(both.total == Price(amount: 2 * 1250 + 3 * 399, currency: "USD"))
            #expect(both.itemCount == 5)

            // Current prices, not the price when added.
            _ = try await app.request(
                .patch, "/api/v1/products/\(tea.id)", token: admin, json: #"{"price":{"amount":500,"currency":"USD"}}"#)
            let repriced = try await app.request(.get, "/api/v1/cart", token: user).decode(Cart.self)
            #expect(repriced.total == Price(amount: 2 * 1250 + 3 * 500, currency: "USD"))

            let zero = try await app.request(.put, "/api/v1/cart/items/\(mug.id)", token: user, json: #"{"quantity":0}"#).decode(Cart.self)
            #expect(zero.items.map(\.productId) == [tea.id])
            #expect(try await app.request(.delete, "/api/v1/cart/items/\(tea.id)", token: user).status == .noContent)
            #expect(try await app.request(.delete, "/api/v1/cart/items/\(tea.id)", token: user).status == .notFound)
            _ = try await app.request(.put, "/api/v1/cart/items/\(tea.id)", token: user, json: #"{"quantity":1}"#)
            #expect(try await app.request(.delete, "/api/v1/cart", token: user).status == .noContent)
            #expect(try await app.request(.get, "/api/v1/cart", token: user).decode(Cart.self).items.isEmpty)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func missingProductsAndStockLimits(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let scarce = try await app.createProduct(admin: admin, sku: "RARE", stock: 2)
            let gone = try await app.createProduct(admin: admin, sku: "GONE", stock: 9)
            _ = try await app.request(.delete, "/api/v1/products/\(gone.id)", token: admin)
            let user = try await app.register(email: "limits@example.com").accessToken

            #expect(try await app.request(.put, "/api/v1/cart/items/nope", token: user, json: #"{"quantity":1}"#).status == .notFound)
            #expect(try await app.request(.put, "/api/v1/cart/items/\(gone.id)", token: user, json: #"{"quantity":1}"#).status == .notFound)
            let tooMany = try await app.request(.put, "/api/v1/cart/items/\(scarce.id)", token: user, json: #"{"quantity":3}"#)
            #expect(tooMany.status == .conflict)
            let problem = try tooMany.problem()
            #expect(problem.fields == ["quantity"])
            #expect(problem.detail?.contains("2") == true)
            #expect(try await app.request(.get, "/api/v1/cart", token: user).decode(Cart.self).items.isEmpty)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func cartsArePrivateAndNeedAToken(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let product = try await app.createProduct(admin: admin, sku: "P", stock: 9)
            let alice = try await app.register(email: "alice@example.com").accessToken
            let bob = try await app.register(email: "bob@example.com").accessToken
            _ = try await app.request(.put, "/api/v1/cart/items/\(product.id)", token: alice, json: #"{"quantity":1}"#)
            #expect(try await app.request(.get, "/api/v1/cart", token: bob).decode(Cart.self).items.isEmpty)
            #expect(try await app.request(.delete, "/api/v1/cart/items/\(product.id)", token: bob).status == .notFound)
            #expect(try await app.request(.get, "/api/v1/cart", token: alice).decode(Cart.self).items.count == 1)
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/cart"), (.put, "/api/v1/cart/items/\(product.id)"),
                (.delete, "/api/v1/cart/items/\(product.id)"), (.delete, "/api/v1/cart"),
            ] {
                #expect(try await app.request(method, path, json: method == .put ? #"{"quantity":1}"# : nil).status == .unauthorized)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func badQuantitiesAreRefused(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let product = try await app.createProduct(admin: admin, sku: "Q", stock: 9)
            let user = try await app.register(email: "qty@example.com").accessToken
            for body in [
                #"{"quantity":-1}"#, #"{"quantity":1001}"#, #"{"quantity":"2"}"#, #"{"quantity":1.5}"#, #"{}"#,
                #"{"quantity":1,"price":0}"#,
            ] {
                let response = try await app.request(.put, "/api/v1/cart/items/\(product.id)", token: user, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(!(try response.problem().fields.isEmpty), "\(body)")
            }
            #expect(try await app.request(.put, "/api/v1/cart/items/\(product.id)", token: user, json: "[").status == .badRequest)
            #expect(try await app.request(.get, "/api/v1/cart", token: user).decode(Cart.self).items.isEmpty)
        }
    }
}
