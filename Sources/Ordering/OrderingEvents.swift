import Contracts
import Foundation
import Platform
import PlatformEvents
import SQLKit

/// Drives a placed order to `confirmed` or `rejected`. Runs in the consumer's transaction: the
/// status change and its event commit with the consumer position, so a crash or a retried
/// failure can neither confirm twice nor lose a step.
///
/// Pay on delivery: Catalog's `stock.reserved` confirms, `stock.rejected` rejects. Wallet: the
/// reservation is followed by the wallet's answer — `wallet.debited` confirms,
/// `wallet.debit-declined` rejects (which makes Catalog release the stock).
struct OrderSaga: EventHandler {
    let name = "ordering.saga"
    let handledEvents: [any DomainEvent.Type] = [StockReserved.self, StockRejected.self, WalletDebited.self, WalletDebitDeclined.self]
    let platform: PlatformContext

    func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
        try await handle(batch: [event], on: db)
    }

    /// A batch in a few statements: the orders it names are read at once, each event decided in
    /// log order, the confirmations written by one conditional update, and the status events
    /// appended together.
    func handle(batch events: [EventEnvelope], on db: any SQLDatabase) async throws {
        var steps: [(orderID: String, to: OrderStatus, reason: String?)] = []
        for event in events {
            switch event.type {
            case StockReserved.type:
                steps.append((try event.decode(StockReserved.self).orderID, .confirmed, nil))
            case StockRejected.type:
                let rejected = try event.decode(StockRejected.self)
                let reason = rejected.lines.map { "\($0.productID): \($0.reason) (requested \($0.requested), available \($0.available))" }
                    .joined(separator: "; ")
                steps.append((rejected.orderID, .rejected, reason))
            case WalletDebited.type:
                steps.append((try event.decode(WalletDebited.self).orderID, .confirmed, nil))
            case WalletDebitDeclined.type:
                let declined = try event.decode(WalletDebitDeclined.self)
                steps.append((declined.orderID, .rejected, declined.reason))
            default:
                continue
            }
        }
        guard !steps.isEmpty else { return }
        var orders = try await OrderStore.sagaStates(of: Array(Set(steps.map(\.orderID))), on: db)
        var moves: [(orderID: String, userID: String, to: OrderStatus, reason: String?)] = []
        for (index, step) in steps.enumerated() {
            // Only a pending order moves; one cancelled meanwhile stays cancelled (Catalog releases
            // its stock on the cancellation event, which follows the reservation in the log). A
            // wallet order's reservation waits for the wallet's answer.
            guard let order = orders[step.orderID], order.status == .pending, order.status.canMove(to: step.to) else { continue }
            if events[index].type == StockReserved.type && order.paymentMethod != .onDelivery { continue }
            orders[step.orderID]?.status = step.to
            moves.append((step.orderID, order.userID, step.to, step.reason))
        }
        let now = platform.clock.now().millisecondsSince1970
        // Confirmations carry no reason: one statement moves them all. Rejections, each with its own.
        var moved = try await OrderStore.setStatus(moves.filter { $0.to == .confirmed }.map(\.orderID), from: .pending, to: .confirmed, at: now, on: db)
        for move in moves where move.to != .confirmed {
            if try await OrderStore.setStatus(move.orderID, from: .pending, to: move.to, reason: move.reason, at: now, on: db) { moved.insert(move.orderID) }
        }
        // Only what this transaction moved is announced: a customer's cancellation may have won.
        try await platform.events.append(
            contentsOf: moves.filter { moved.contains($0.orderID) }.map {
                OrderStatusChanged(orderID: $0.orderID, userID: $0.userID, from: OrderStatus.pending.rawValue, to: $0.to.rawValue, reason: $0.reason)
            }, on: db)
    }
}

/// Ordering's copy of what it needs from Identity: phone and address for new orders, and the
/// update of unshipped orders when a profile changes.
struct CustomerDirectory: EventHandler {
    let name = "ordering.customers"
    let handledEvents: [any DomainEvent.Type] = [UserRegistered.self, UserProfileUpdated.self]
    let platform: PlatformContext

    func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
        switch event.type {
        case UserRegistered.type:
            try await OrderStore.addCustomer(try event.decode(UserRegistered.self).userID, on: db)
        case UserProfileUpdated.type:
            let profile = try event.decode(UserProfileUpdated.self)
            let address = try profile.address.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
            try await OrderStore.updateCustomer(
                profile.userID, phone: profile.phone, address: address, at: platform.clock.now().millisecondsSince1970, on: db)
        default:
            break
        }
    }
}
