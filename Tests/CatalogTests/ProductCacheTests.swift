import Foundation
import HTTPTypes
import HummingbirdTesting
import Platform
import SQLKit
import Testing
import TestSupport

@Suite("Product cache")
struct ProductCacheTests {
    /// Changes the price behind the service's back: no event, no invalidation.
    static func sneakPrice(_ app: TestBazaar, id: String, to amount: Int64) async throws {
        try await app.bazaar.platform.database.transaction { db in
            try await db.raw("UPDATE products SET price_amount = \(bind: amount) WHERE id = \(bind: id)").run()
        }
    }

    @Test(arguments: TestEngine.allCases)
    func servedFromMemoryUntilProductsOrStockChange(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let lamp = try await app.createProduct(admin: admin, sku: "LAMP-1", price: 1000, stock: 5)
            #expect(try await app.product(lamp.id)?.price.amount == 1000)
            #expect(try await app.request(.get, "/api/v1/products").decode(Page<ProductBody>.self).items.first?.price.amount == 1000)

            // A write that bypasses Catalog is not seen: the answers come from the cache. (The
            // creation's own event may still reach the invalidation follower and empty the cache
            // once; then the next round shows it.)
            var servedFromCache = false
            for round in 1...20 where !servedFromCache {
                let before = try await app.product(lamp.id)?.price.amount
                _ = try await app.request(.get, "/api/v1/products")
                try await Self.sneakPrice(app, id: lamp.id, to: Int64(round))
                let detail = try await app.product(lamp.id)?.price.amount
                let listed = try await app.request(.get, "/api/v1/products").decode(Page<ProductBody>.self).items.first?.price.amount
                servedFromCache = detail == before && listed == before
                if !servedFromCache { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(servedFromCache)

            // Catalog's own writes are visible on the very next request.
            _ = try await app.request(
                .patch, "/api/v1/products/\(lamp.id)", token: admin, json: #"{"price":{"amount":1200,"currency":"USD"}}"#)
            #expect(try await app.product(lamp.id)?.price.amount == 1200)
            _ = try await app.request(.put, "/api/v1/products/\(lamp.id)/stock", token: admin, json: #"{"stock":9}"#)
            #expect(try await app.request(.get, "/api/v1/products").decode(Page<ProductBody>.self).items.first?.stock == 9)

            // Stock reserved by the order saga (a consumer, not a route) reaches the cache through the event log.
            let buyer = try await app.register(email: "buyer@example.com")
            let order = try await app.placeOrder(token: buyer.accessToken, items: [(lamp.id, 2)])
            #expect(try await app.settled(order.id, token: buyer.accessToken).status == "confirmed")
            try await waitUntil("the reservation to show in the cached detail") { try await app.product(lamp.id)?.stock == 7 }

            // A deleted product disappears from the cached list and detail at once.
            #expect(try await app.request(.delete, "/api/v1/products/\(lamp.id)", token: admin).status == .noContent)
            #expect(try await app.product(lamp.id) == nil)
            #expect(try await app.request(.get, "/api/v1/products").decode(Page<ProductBody>.self).items.isEmpty)

            let metrics = try await app.request(.get, "/metrics").text
            #expect(metrics.contains(#"bazaar_cache_requests_total{cache="products",result="hit"}"#))
            #expect(metrics.contains(#"bazaar_cache_requests_total{cache="products",result="miss"}"#))
        }
    }

    /// Placing an order reads names and prices from memory that stock movements leave alone (each
    /// order moves stock), and that Catalog's own writes and product events empty.
    @Test(arguments: TestEngine.allCases)
    func ordersTakePricesFromMemoryThatOnlyProductChangesEmpty(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let lamp = try await app.createProduct(admin: admin, sku: "LAMP-2", price: 1000, stock: 50)
            let buyer = try await app.register(email: "buyer@example.com")
            let first = try await app.placeOrder(token: buyer.accessToken, items: [(lamp.id, 1)])
            #expect(try await app.settled(first.id, token: buyer.accessToken).status == "confirmed")
            // The reservation has reached the products cache's follower (so its stock event has
            // been read) ...
            try await waitUntil("the reservation to show in the cached detail") { try await app.product(lamp.id)?.stock == 49 }

            // ... and a price changed behind Catalog's back after an order's stock moved is still
            // not what the next order pays: it comes from memory. (The creation's own event may
            // still reach the follower and empty it once; then the next round shows it.)
            var servedFromMemory = false
            for round in 1...20 where !servedFromMemory {
                let order = try await app.placeOrder(token: buyer.accessToken, items: [(lamp.id, 1)])
                let known = order.items.first?.unitPrice.amount
                _ = try await app.settled(order.id, token: buyer.accessToken)
                try await waitUntil("the reservation in the cached detail") { try await app.product(lamp.id)?.stock == 50 - 2 * round }
                try await Self.sneakPrice(app, id: lamp.id, to: Int64(round))
                let paid = try await app.placeOrder(token: buyer.accessToken, items: [(lamp.id, 1)]).items.first?.unitPrice.amount
                servedFromMemory = paid == known
                if !servedFromMemory { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(servedFromMemory)

            // Catalog's own price change applies to the very next order.
            _ = try await app.request(
                .patch, "/api/v1/products/\(lamp.id)", token: admin, json: #"{"price":{"amount":1500,"currency":"USD"}}"#)
            #expect(try await app.placeOrder(token: buyer.accessToken, items: [(lamp.id, 1)]).items.first?.unitPrice.amount == 1500)

            let metrics = try await app.request(.get, "/metrics").text
            #expect(metrics.contains(#"bazaar_cache_requests_total{cache="product-offers",result="hit"}"#))
        }
    }
}
