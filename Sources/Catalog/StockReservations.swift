import Contracts
import Foundation
import Platform
import PlatformEvents
import SQLKit

/// Reserves stock for placed orders (all lines or none) and releases it when an order is
/// cancelled or rejected. Runs inside the consumer's transaction, so a reservation and the event
/// that announces it commit together, exactly once per order.
///
/// A batch of orders is reserved in a few statements whatever its size: the stock of every
/// product it names is read and locked once, each order is decided in log order against what
/// the orders before it left, and each product's stock is then written once. (One order at a
/// time took five statements per order, and under load the consumer fell behind the orders.)
struct StockReservations: EventHandler {
    let name = "catalog.stock-reservations"
    let handledEvents: [any DomainEvent.Type] = [OrderPlaced.self, OrderStatusChanged.self]
    let platform: PlatformContext
    let cache: InvalidatedCache

    /// Reservations change stock: served products must show it from the next request on, so
    /// answers bypass the cache from before the change until after the commit.
    func didCommit() { cache.endWrite() }

    func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
        try await handle(batch: [event], on: db)
    }

    func handle(batch events: [EventEnvelope], on db: any SQLDatabase) async throws {
        cache.beginWrite()
        let now = platform.clock.now().millisecondsSince1970
        var pending = PendingReservations()
        // Every product a placed order of the batch names, locked in one global order (product
        // id), so two batches with the same products serialise instead of deadlocking.
        var placed: [(OrderPlaced, [String: Int])] = []
        var productIDs = Set<String>()
        let orders = try events.filter { $0.type == OrderPlaced.type }.map { try $0.decode(OrderPlaced.self) }
        var cancelled = try await ProductStore.earlyCancellations(among: orders.map(\.orderID), on: db)
        for order in orders {
            var wanted: [String: Int] = [:]
            for line in order.lines { wanted[line.productID, default: 0] += line.quantity }
            placed.append((order, wanted))
            productIDs.formUnion(wanted.keys)
        }
        var onHand = try await ProductStore.lockStock(ids: productIDs.sorted(), engine: platform.database.engine, on: db)
        var nextPlaced = placed.makeIterator()
        for event in events {
            switch event.type {
            case OrderPlaced.type:
                guard let (order, wanted) = nextPlaced.next(), !cancelled.contains(order.orderID) else { continue }
                pending.decide(order, wanted: wanted, onHand: &onHand)
            case OrderStatusChanged.type:
                let change = try event.decode(OrderStatusChanged.self)
                guard change.to == "cancelled" || change.to == "rejected" else { continue }
                // The order may have been reserved earlier in this batch: write that first.
                try await pending.flush(at: now, platform: platform, on: db)
                let released = try await release(orderID: change.orderID, at: now, on: db)
                for line in released {
                    onHand[line.productID]?.stock += line.quantity
                }
                // Nothing reserved for a pending order: its placement has not come yet (possible
                // when events come from Kafka, one topic per type). It must reserve nothing.
                if released.isEmpty, change.from == "pending", change.to == "cancelled" {
                    try await ProductStore.recordEarlyCancellation(orderID: change.orderID, at: now, on: db)
                    cancelled.insert(change.orderID)
                }
            default:
                continue
            }
        }
        try await pending.flush(at: now, platform: platform, on: db)
    }

    /// Puts an order's reserved stock back; the lines released (none when there was nothing to release).
    private func release(orderID: String, at now: Int64, on db: any SQLDatabase) async throws -> [OrderLineQuantity] {
        let lines = try await ProductStore.releaseReservations(orderID: orderID, at: now, on: db)
        guard !lines.isEmpty else { return [] }
        try await ProductStore.adjustStock(lines.map { ($0.productID, $0.quantity) }, at: now, engine: platform.database.engine, on: db)
        try await platform.events.append(StockReleased(orderID: orderID, lines: lines), on: db)
        return lines
    }
}

/// The decisions of a batch not written yet: stock taken per product, reservation rows, and
/// the events announcing each order's outcome.
struct PendingReservations {
    private var taken: [String: Int] = [:]
    private var reservations: [(orderID: String, productID: String, quantity: Int)] = []
    private var reserved: [StockReserved] = []
    private var rejected: [StockRejected] = []

    /// Reserves every line of the order against `onHand`, or none and says why.
    mutating func decide(_ order: OrderPlaced, wanted: [String: Int], onHand: inout [String: ProductStore.Stock]) {
        let ids = wanted.keys.sorted()
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
            rejected.append(StockRejected(orderID: order.orderID, lines: rejections))
            return
        }
        for id in ids {
            onHand[id]!.stock -= wanted[id]!
            taken[id, default: 0] += wanted[id]!
            reservations.append((order.orderID, id, wanted[id]!))
        }
        reserved.append(StockReserved(orderID: order.orderID, lines: ids.map { OrderLineQuantity(productID: $0, quantity: wanted[$0]!) }))
    }

    mutating func flush(at now: Int64, platform: PlatformContext, on db: any SQLDatabase) async throws {
        // The CHECK (stock >= 0) constraint is the last line of defence against overselling.
        let engine = platform.database.engine
        try await ProductStore.adjustStock(taken.sorted { $0.key < $1.key }.map { ($0.key, -$0.value) }, at: now, engine: engine, on: db)
        try await ProductStore.insertReservations(reservations, engine: engine, on: db)
        try await platform.events.append(contentsOf: reserved, on: db)
        try await platform.events.append(contentsOf: rejected, on: db)
        self = PendingReservations()
    }
}
