import Contracts
import Foundation
import Platform
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
    let eventTypes = [StockReserved.type, StockRejected.type, WalletDebited.type, WalletDebitDeclined.type]
    let platform: PlatformContext

    func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
        switch event.type {
        case StockReserved.type:
            let reserved = try event.decode(StockReserved.self)
            guard try await OrderStore.paymentMethod(of: reserved.orderID, on: db) == .onDelivery else { return }  // the wallet answers next
            try await advance(reserved.orderID, to: .confirmed, reason: nil, on: db)
        case StockRejected.type:
            let rejected = try event.decode(StockRejected.self)
            let reason = rejected.lines.map { "\($0.productID): \($0.reason) (requested \($0.requested), available \($0.available))" }
                .joined(separator: "; ")
            try await advance(rejected.orderID, to: .rejected, reason: reason, on: db)
        case WalletDebited.type:
            try await advance(try event.decode(WalletDebited.self).orderID, to: .confirmed, reason: nil, on: db)
        case WalletDebitDeclined.type:
            let declined = try event.decode(WalletDebitDeclined.self)
            try await advance(declined.orderID, to: .rejected, reason: declined.reason, on: db)
        default:
            break
        }
    }

    /// Only a pending order moves; one cancelled meanwhile stays cancelled (Catalog releases its
    /// stock on the cancellation event, which follows the reservation in the log).
    private func advance(_ orderID: String, to status: OrderStatus, reason: String?, on db: any SQLDatabase) async throws {
        do {
            try await OrderingService.move(orderID, to: status, reason: reason, allowed: { $0 == .pending }, platform: platform, on: db)
        } catch OrderingError.cannotMove, OrderingError.changedMeanwhile, OrderingError.orderNotFound {
            return  // no longer pending (cancelled meanwhile), or not an order of ours: nothing to do
        }
    }
}

/// Ordering's copy of what it needs from Identity: phone and address for new orders, and the
/// update of unshipped orders when a profile changes.
struct CustomerDirectory: EventHandler {
    let name = "ordering.customers"
    let eventTypes = [UserRegistered.type, UserProfileUpdated.type]
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
