import Contracts
import Foundation
@testable import Ordering
import PlatformCore
import PlatformEvents
import SQLKit
import Testing
import TestSupport

/// On PostgreSQL an order is placed in one statement: the idempotency key, the order, its lines
/// and its event are written together or not at all, and a key another request holds writes
/// nothing.
@Suite("Orders: one statement on PostgreSQL")
struct OneStatementPlacementTests {
    @Test
    func theKeyTheOrderItsLinesAndItsEventAreAllOrNothing() async throws {
        try await TestBazaar.run(.postgres) { app in
            let admin = try await app.admin().accessToken
            let mug = try await app.createProduct(admin: admin, sku: "MUG", stock: 5)
            let user = try await app.register(email: "one-statement@example.com").user.id
            let database = app.bazaar.platform.database
            let events = app.bazaar.platform.events

            func order() -> OrderView {
                let now = Date(millisecondsSince1970: app.clock.now().millisecondsSince1970)
                return OrderView(
                    id: UUID.timeOrdered().lowercasedString, userId: user, status: .pending,
                    items: [
                        OrderLine(
                            productId: mug.id, name: "Mug", unitPrice: Money(amount: 900, currency: "EUR"), quantity: 2,
                            lineTotal: Money(amount: 1800, currency: "EUR"))
                    ],
                    total: Money(amount: 1800, currency: "EUR"), paymentMethod: .onDelivery, shippingAddress: nil, phone: nil, reason: nil,
                    createdAt: now, updatedAt: now)
            }
            func place(_ order: OrderView, key: String, event: @escaping @Sendable (String) -> SQLQueryString) async throws -> Bool {
                try await database.singleStatementWrite { db in
                    try await OrderStore.placeInOneStatement(
                        order, storedAddress: nil, fromCart: false, key: key, requestHash: "hash", reply: (202, "{}"), event: event, on: db)
                }
            }
            func written(_ order: OrderView, key: String) async throws -> [Int] {
                try await database.read { db in
                    var counts: [Int] = []
                    for query: SQLQueryString in [
                        "SELECT COUNT(*) AS n FROM idempotency_keys WHERE idempotency_key = \(bind: key)",
                        "SELECT COUNT(*) AS n FROM orders WHERE id = \(bind: order.id)",
                        "SELECT COUNT(*) AS n FROM order_lines WHERE order_id = \(bind: order.id)",
                        "SELECT COUNT(*) AS n FROM event_log WHERE aggregate_id = \(bind: order.id)",
                    ] {
                        counts.append(try await db.raw(query).first()?.decode(column: "n", as: Int.self) ?? -1)
                    }
                    return counts
                }
            }
            func placedEvent(_ order: OrderView) throws -> EncodedEvent {
                try EncodedEvent(
                    OrderPlaced(
                        orderID: order.id, userID: user, lines: [OrderLineQuantity(productID: mug.id, quantity: 2)], total: order.total,
                        paymentMethod: "onDelivery"))
            }

            // A part that fails (a line breaking its CHECK) fails the whole statement.
            let failing = order()
            await #expect(throws: (any Error).self) {
                try await place(failing, key: "one-statement-1") { source in
                    "INSERT INTO order_lines (order_id, line_no, product_id, name, unit_price_amount, unit_price_currency, quantity) SELECT id, 9, 'x', 'x', 1, 'EUR', 0 FROM \(unsafeRaw: source)"
                }
            }
            #expect(try await written(failing, key: "one-statement-1") == [0, 0, 0, 0])

            // The same key again: written once, with its lines and event.
            let placed = order()
            let event = try placedEvent(placed)
            #expect(try await place(placed, key: "one-statement-1") { events.append(event, ifAnyRowIn: $0) })
            #expect(try await written(placed, key: "one-statement-1") == [1, 1, 1, 1])

            // Another order under a key already held writes nothing.
            let second = order()
            let secondEvent = try placedEvent(second)
            #expect(try await !place(second, key: "one-statement-1") { events.append(secondEvent, ifAnyRowIn: $0) })
            #expect(try await written(second, key: "one-statement-1") == [1, 0, 0, 0])
        }
    }
}
