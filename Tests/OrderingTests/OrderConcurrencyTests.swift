import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformEvents
import SQLKit
import Synchronization
import Testing
import TestSupport

@Suite("Orders under load and failure")
struct OrderConcurrencyTests {
    @Test(arguments: TestEngine.allCases)
    func fiftyShoppersTenUnitsNeverOversold(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let hot = try await app.createProduct(admin: admin, sku: "HOT", stock: 10)
            let side = try await app.createProduct(admin: admin, sku: "SIDE", stock: 10)
            var tokens: [String] = []
            for index in 0..<50 { tokens.append(try await app.register(email: "shopper\(index)@example.com").accessToken) }
            let shoppers = tokens

            // 50 single-line orders for HOT, plus 10 two-line orders naming HOT and SIDE in
            // opposite orders (the classic deadlock shape), all at once.
            let results = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for (index, token) in shoppers.enumerated() {
                    group.addTask {
                        let response = try await app.placeOrder(
                            token: token, json: #"{"items":[{"productId":"\#(hot.id)","quantity":1}],"paymentMethod":"onDelivery"}"#)
                        return (response.status, try? response.placedOrder().id)
                    }
                    if index < 10 {
                        group.addTask {
                            let lines =
                                index.isMultiple(of: 2)
                                ? #"[{"productId":"\#(hot.id)","quantity":1},{"productId":"\#(side.id)","quantity":1}]"#
                                : #"[{"productId":"\#(side.id)","quantity":1},{"productId":"\#(hot.id)","quantity":1}]"#
                            let response = try await app.placeOrder(
                                token: token, json: #"{"items":\#(lines),"paymentMethod":"onDelivery"}"#)
                            return (response.status, try? response.placedOrder().id)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0.0 == .accepted }, "\(results.map(\.0))")
            #expect(results.allSatisfy { $0.0.code < 500 })
            let ids = results.compactMap(\.1)
            #expect(ids.count == 60)

            let admins = admin
            try await waitUntil("every order settled", timeout: .seconds(60)) {
                let pending = try await app.request(.get, "/api/v1/admin/orders?status=pending&limit=100", token: admins).decode(
                    Page<OrderBody>.self)
                return pending.items.isEmpty
            }
            let confirmed = try await app.request(.get, "/api/v1/admin/orders?status=confirmed&limit=100", token: admin).decode(
                Page<OrderBody>.self
            ).items
            let soldHot = confirmed.flatMap(\.items).filter { $0.productId == hot.id }.reduce(0) { $0 + $1.quantity }
            let remaining = try #require(try await app.product(hot.id)).stock
            #expect(soldHot == 10)
            #expect(remaining == 0)
            #expect(soldHot + remaining == 10)
            let soldSide = confirmed.flatMap(\.items).filter { $0.productId == side.id }.reduce(0) { $0 + $1.quantity }
            #expect(soldSide + (try #require(try await app.product(side.id)).stock) == 10)
        }
    }

    /// Fails each handler's first attempts after it has done its writes, so the consumer's
    /// transaction rolls back and the event is delivered again.
    final class FlakyHandler: EventHandler, Sendable {
        let inner: any EventHandler
        let failuresLeft: Mutex<[String: Int]>
        var name: String { inner.name }
        var handledEvents: [any DomainEvent.Type] { inner.handledEvents }

        init(_ inner: any EventHandler, failuresPerEvent: Int) {
            self.inner = inner
            failuresLeft = Mutex([:])
            self.failuresPerEvent = failuresPerEvent
        }
        let failuresPerEvent: Int

        struct Injected: Error {}
        func didCommit() { inner.didCommit() }

        func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
            try await inner.handle(event, on: db)
            let fail = failuresLeft.withLock { left -> Bool in
                let remaining = left[event.id] ?? failuresPerEvent
                left[event.id] = remaining - 1
                return remaining > 0
            }
            if fail { throw Injected() }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func failuresMidSagaNeverLeaveConfirmationsOrReservationsWrong(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, decorateHandlers: { FlakyHandler($0, failuresPerEvent: 2) }) { app in
            let admin = try await app.admin().accessToken
            let vase = try await app.createProduct(admin: admin, sku: "VASE", stock: 3)
            let user = try await app.register(email: "flaky@example.com").accessToken
            let kept = try await app.placeOrder(token: user, items: [(vase.id, 2)])
            let refused = try await app.placeOrder(token: user, items: [(vase.id, 2)])
            #expect(try await app.settled(kept.id, token: user).status == "confirmed")
            #expect(try await app.settled(refused.id, token: user).status == "rejected")
            #expect(try await app.product(vase.id)?.stock == 1)

            _ = try await app.request(.post, "/api/v1/orders/\(kept.id)/cancel", token: user)
            try await waitUntil("the release after retries") { try await app.product(vase.id)?.stock == 3 }
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await app.product(vase.id)?.stock == 3)
            let log = app.bazaar.platform.events
            #expect(try await log.recent(type: "stock.reserved", limit: 10).count == 1)
            #expect(try await log.recent(type: "stock.rejected", limit: 10).count == 1)
            #expect(try await log.recent(type: "stock.released", limit: 10).count == 1)
            #expect(try await log.recent(type: "order.status-changed", limit: 10).count == 3)
            #expect(try await DeadLetterStore(database: app.bazaar.platform.database, clock: app.clock).count() == 0)
        }
    }
}
