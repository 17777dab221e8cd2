import Contracts
import Foundation
import Platform
import SQLKit

/// Reserves stock for placed orders (all lines or none) and releases it when an order is
/// cancelled or rejected. Runs inside the consumer's transaction, so a reservation and the event
/// that announces it commit together, exactly once per order.
struct StockReservations: EventHandler {
    let name = "catalog.stock-reservations"
    let eventTypes = [OrderPlaced.type, OrderStatusChanged.type]
    let platform: PlatformContext
    let cache: InvalidatedCache

    /// Reservations change stock: served products must show it from the next request on, so
    /// answers bypass the cache from before the change until after the commit.
    func didCommit() { cache.endWrite() }

    func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
        cache.beginWrite()
        switch event.type {
        case OrderPlaced.type:
            try await reserve(try event.decode(OrderPlaced.self), on: db)
        case OrderStatusChanged.type:
            let change = try event.decode(OrderStatusChanged.self)
            if change.to == "cancelled" || change.to == "rejected" { try await release(orderID: change.orderID, on: db) }
        default:
            break
        }
    }

    /// Runs once per order: the consumer records the event as processed in this same transaction.
    private func reserve(_ order: OrderPlaced, on db: any SQLDatabase) async throws {
        var wanted: [String: Int] = [:]
        for line in order.lines { wanted[line.productID, default: 0] += line.quantity }
        // Rows are locked in one global order (product id), so two orders with the same products
        // in opposite order serialise instead of deadlocking.
        let ids = wanted.keys.sorted()
        var query = SQLQueryString("SELECT id, stock, deleted_at FROM products WHERE id IN ")
        query.appendBindList(ids)
        query.appendLiteral(" ORDER BY id")
        query.appendLiteral(platform.database.engine.forUpdate)
        var onHand: [String: (stock: Int, deleted: Bool)] = [:]
        for row in try await db.raw(query).all() {
            onHand[try row.decode(column: "id", as: String.self)] = (
                try row.decode(column: "stock", as: Int.self), try row.decode(column: "deleted_at", as: Int64?.self) != nil
            )
        }
        var rejections: [StockRejection] = []
        for id in ids {
            let requested = wanted[id]!
            guard let product = onHand[id], !product.deleted else {
                rejections.append(StockRejection(productID: id, requested: requested, available: 0, reason: "product is not available"))
                continue
            }
            if product.stock < requested {
                rejections.append(
                    StockRejection(productID: id, requested: requested, available: product.stock, reason: "insufficient stock"))
            }
        }
        guard rejections.isEmpty else {
            try await platform.events.append(StockRejected(orderID: order.orderID, lines: rejections), on: db)
            return
        }
        let now = platform.clock.now().millisecondsSince1970
        for id in ids {
            // The CHECK (stock >= 0) constraint is the last line of defence against overselling.
            try await db.raw("UPDATE products SET stock = stock - \(bind: wanted[id]!), updated_at = \(bind: now) WHERE id = \(bind: id)")
                .run()
        }
        var insert = db.insert(into: "stock_reservations").columns("order_id", "product_id", "quantity")
        for id in ids { insert = insert.values(SQLBind(order.orderID), SQLBind(id), SQLBind(wanted[id]!)) }
        try await insert.run()
        let lines = ids.map { OrderLineQuantity(productID: $0, quantity: wanted[$0]!) }
        try await platform.events.append(StockReserved(orderID: order.orderID, lines: lines), on: db)
    }

    private func release(orderID: String, on db: any SQLDatabase) async throws {
        let now = platform.clock.now().millisecondsSince1970
        let released = try await db.raw(
            "UPDATE stock_reservations SET released_at = \(bind: now) WHERE order_id = \(bind: orderID) AND released_at IS NULL RETURNING product_id, quantity"
        ).all()
        guard !released.isEmpty else { return }
        var lines: [OrderLineQuantity] = []
        for row in released {
            let id = try row.decode(column: "product_id", as: String.self)
            let quantity = try row.decode(column: "quantity", as: Int.self)
            try await db.raw("UPDATE products SET stock = stock + \(bind: quantity), updated_at = \(bind: now) WHERE id = \(bind: id)")
                .run()
            lines.append(OrderLineQuantity(productID: id, quantity: quantity))
        }
        try await platform.events.append(StockReleased(orderID: orderID, lines: lines.sorted { $0.productID < $1.productID }), on: db)
    }
}
