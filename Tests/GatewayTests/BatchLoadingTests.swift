import Foundation
import PlatformDatabase
import Testing
import TestSupport

/// Nested fields load in batches: an order list with its lines and their products costs the same
/// number of SQL statements whether it holds two orders or eight.
@Suite("GraphQL: batch loading")
struct BatchLoadingTests {
    @Test(arguments: TestEngine.allCases)
    func anOrderListCostsAFixedNumberOfQueries(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let buyer = try await app.register(email: "many-orders@example.com")
            var products: [ProductBody] = []
            for index in 0..<16 {
                products.append(try await app.createProduct(admin: admin, sku: "BATCH-\(index)", price: 100, stock: 100))
            }

            /// Places orders of two lines each, on products not used before (so the product lookups are not cached).
            func place(_ count: Int, from offset: Int) async throws {
                for index in 0..<count {
                    let first = products[(offset + index * 2) % products.count]
                    let second = products[(offset + index * 2 + 1) % products.count]
                    let order = try await app.placeOrder(token: buyer.accessToken, items: [(first.id, 1), (second.id, 1)])
                    _ = try await app.settled(order.id, token: buyer.accessToken)
                }
                try await waitUntil("the consumers to go quiet") { try await app.bazaar.consumers.lag() == 0 }
            }
            let query = "{ orders(first: 50) { nodes { id status items { quantity product { name stock price { amount } } } } } }"
            func statements() async throws -> (statements: Int, orders: Int, named: Int) {
                let counter = StatementCounter()
                let data = try await StatementCounter.$current.withValue(counter) {
                    try await app.graphQLData(query, token: buyer.accessToken)
                }
                let orders = data["orders"]["nodes"].array
                return (
                    counter.statements, orders.count,
                    orders.flatMap { $0["items"].array }.filter { $0["product"]["name"].string != nil }.count
                )
            }

            try await place(1, from: 0)
            let one = try await statements()
            try await place(7, from: 2)
            let eight = try await statements()
            #expect(one.orders == 1 && one.named == 2)
            #expect(eight.orders == 8 && eight.named == 16)
            #expect(one.statements > 0)
            #expect(eight.statements == one.statements, "1 order: \(one.statements) statements, 8 orders: \(eight.statements)")
        }
    }
}
