import Catalog
import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformEvents
import Testing
import TestSupport

/// Catalog's side of the saga, driven by publishing Ordering's events directly.
@Suite("Stock reservations")
struct StockReservationTests {
    func place(_ app: TestBazaar, order: String, _ lines: [(String, Int)]) async throws {
        let event = OrderPlaced(
            orderID: order, userID: "u", lines: lines.map { OrderLineQuantity(productID: $0.0, quantity: $0.1) },
            total: Money(amount: 0, currency: "USD"), paymentMethod: "onDelivery")
        _ = try await app.bazaar.platform.database.transaction { db in try await app.bazaar.platform.events.append(event, on: db) }
    }

    func change(_ app: TestBazaar, order: String, from: String = "confirmed", to status: String) async throws {
        let event = OrderStatusChanged(orderID: order, userID: "u", from: from, to: status, reason: nil)
        _ = try await app.bazaar.platform.database.transaction { db in try await app.bazaar.platform.events.append(event, on: db) }
    }

    /// The reply Catalog published for `order`: "stock.reserved" or "stock.rejected".
    func outcome(_ app: TestBazaar, order: String) async throws -> EventEnvelope {
        try await poll("catalog's answer to \(order)") {
            let replies = try await app.bazaar.platform.events.recent(type: nil, limit: 500)
            return replies.first {
                ($0.type == StockReserved.type || $0.type == StockRejected.type) && $0.payload.contains(#""orderID":"\#(order)""#)
            }
        }
    }

    /// Read from Kafka (one topic per event type) a customer's cancellation of a pending order
    /// can come before the placement itself: the placement must then reserve nothing.
    @Test(arguments: TestEngine.allCases)
    func aCancellationThatComesFirstLeavesThePlacementNothingToReserve(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let a = try await app.createProduct(admin: admin, sku: "EARLY", stock: 5)
            try await change(app, order: "early-1", from: "pending", to: "cancelled")
            try await app.consumersCaughtUp()
            try await place(app, order: "early-1", [(a.id, 2)])
            try await place(app, order: "later-2", [(a.id, 1)])
            #expect(try await outcome(app, order: "later-2").type == StockReserved.type)
            try await app.consumersCaughtUp()
            #expect(try await app.product(a.id)?.stock == 4)
            let replies = try await app.bazaar.platform.events.recent(type: nil, limit: 500)
            #expect(!replies.contains { $0.type == StockReserved.type && $0.payload.contains(#""orderID":"early-1""#) })
        }
    }

    @Test(arguments: TestEngine.allCases)
    func reservesAllLinesOrNone(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let a = try await app.createProduct(admin: admin, sku: "A", stock: 5)
            let b = try await app.createProduct(admin: admin, sku: "B", stock: 1)

            try await place(app, order: "order-1", [(a.id, 2), (b.id, 2)])
            let rejected = try await outcome(app, order: "order-1")
            #expect(rejected.type == StockRejected.type)
            let reasons = try rejected.decode(StockRejected.self).lines
            #expect(reasons == [StockRejection(productID: b.id, requested: 2, available: 1, reason: "insufficient stock")])
            #expect(try await app.product(a.id)?.stock == 5)

            try await place(app, order: "order-2", [(a.id, 2), (b.id, 1), (a.id, 1)])
            #expect(try await outcome(app, order: "order-2").type == StockReserved.type)
            #expect(try await app.product(a.id)?.stock == 2)
            #expect(try await app.product(b.id)?.stock == 0)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func cancellingReleasesOnceAndDeletedProductsAreRejected(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let a = try await app.createProduct(admin: admin, sku: "A", stock: 4)
            try await place(app, order: "order-1", [(a.id, 3)])
            #expect(try await outcome(app, order: "order-1").type == StockReserved.type)
            try await change(app, order: "order-1", to: "cancelled")
            try await change(app, order: "order-1", to: "cancelled")
            try await waitUntil("the release") { try await app.product(a.id)?.stock == 4 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await app.product(a.id)?.stock == 4)
            #expect(try await app.bazaar.platform.events.recent(type: StockReleased.type, limit: 5).count == 1)

            #expect(try await app.request(.delete, "/api/v1/products/\(a.id)", token: admin).status == .noContent)
            try await place(app, order: "order-2", [(a.id, 1)])
            let rejected = try await outcome(app, order: "order-2")
            #expect(try rejected.decode(StockRejected.self).lines.first?.reason == "product is not available")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func competingConsumersNeverOversell(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let a = try await app.createProduct(admin: admin, sku: "HOT-A", stock: 10)
            let b = try await app.createProduct(admin: admin, sku: "HOT-B", stock: 10)
            // A second process's worth of the same consumer, racing the app's own.
            let rival = EventConsumerService(
                handlers: CatalogModule(platform: app.bazaar.platform).eventHandlers, database: app.bazaar.platform.database,
                clock: app.clock, logger: app.bazaar.platform.logger)
            let running = Task { try await rival.run() }
            defer { running.cancel() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let lines = index.isMultiple(of: 2) ? [(a.id, 1), (b.id, 1)] : [(b.id, 1), (a.id, 1)]
                        try await place(app, order: "race-\(index)", lines)
                    }
                }
                try await group.waitForAll()
            }
            var reserved = 0
            for index in 0..<40 where try await outcome(app, order: "race-\(index)").type == StockReserved.type { reserved += 1 }
            #expect(reserved == 10)
            #expect(try await app.product(a.id)?.stock == 0)
            #expect(try await app.product(b.id)?.stock == 0)
            #expect(try await app.bazaar.platform.events.recent(type: StockReserved.type, limit: 100).count == 10)
            // Exactly one answer per order, however the two consumers interleaved.
            #expect(try await app.bazaar.platform.events.recent(type: StockRejected.type, limit: 100).count == 30)
        }
    }
}
