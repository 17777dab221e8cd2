import Contracts
import Foundation
import PlatformCore
import PlatformDatabase
import PlatformEvents
import SQLKit

/// The wallet's step of the order saga. Remembers wallet-paid orders from `order.placed`, debits
/// once their stock is reserved (`wallet.debited`, or `wallet.debit-declined` when the balance is
/// short) and refunds a debited order that is cancelled. Events arrive in log order, so a
/// cancellation seen before the reservation means the order is never debited.
struct WalletPayments: EventHandler {
    let name = "promotions.wallet-payments"
    let handledEvents: [any DomainEvent.Type] = [OrderPlaced.self, StockReserved.self, OrderStatusChanged.self]
    let wallet: Wallet
    let events: EventLog

    /// What an event asks of the wallet.
    private enum Step {
        case remember(OrderPlaced)
        case settle(orderID: String)
        case unwind(orderID: String)
        case nothing

        init(_ event: EventEnvelope) throws {
            switch event.type {
            case OrderPlaced.type:
                let order = try event.decode(OrderPlaced.self)
                self = order.paymentMethod == "wallet" ? .remember(order) : .nothing
            case StockReserved.type:
                self = .settle(orderID: try event.decode(StockReserved.self).orderID)
            case OrderStatusChanged.type:
                let change = try event.decode(OrderStatusChanged.self)
                self = change.to == "cancelled" || change.to == "rejected" ? .unwind(orderID: change.orderID) : .nothing
            default:
                self = .nothing
            }
        }

        var remembers: Bool {
            if case .remember = self { return true }
            return false
        }

        var orderID: String? {
            switch self {
            case .settle(let orderID), .unwind(let orderID): orderID
            case .remember, .nothing: nil
            }
        }
    }

    func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
        try await apply(try Step(event), on: db)
    }

    /// Orders paid on delivery are placed, and orders confirmed, without the wallet.
    func acts(on event: EventEnvelope) -> Bool {
        // A payload that does not decode acts: `handle` then fails on it, so it is retried and
        // parked in the dead letters rather than recorded as applied.
        guard let step = try? Step(event), case .nothing = step else { return true }
        return false
    }

    /// Whether any of the batch's orders is paid from the wallet. A payment row is written when
    /// its order's `order.placed` is applied, which comes before the order's other events in the
    /// log: in an earlier batch (committed, so the query sees it) or in this one (`remember`).
    /// Under the order load most batches are reservations of orders paid on delivery, and then
    /// the batch is only recorded instead of a transaction that finds nothing to do.
    func acts(onBatch events: [EventEnvelope], committed database: any Database) async throws -> Bool {
        let steps = try events.map(Step.init)
        if steps.contains(where: \.remembers) { return true }
        let orderIDs = steps.compactMap(\.orderID)
        guard !orderIDs.isEmpty else { return false }
        return try await database.read { db in try await !ordersWithPayments(orderIDs, on: db).isEmpty }
    }

    /// One query tells which of the batch's orders have a wallet payment at all (or get one
    /// earlier in the batch); the others, every order paid on delivery, cost no statement.
    func handle(batch events: [EventEnvelope], on db: any SQLDatabase) async throws {
        let steps = try events.map(Step.init)
        var paid = try await ordersWithPayments(steps.compactMap(\.orderID), on: db)
        for step in steps {
            switch step {
            case .remember(let order): paid.insert(order.orderID)
            case .settle(let orderID), .unwind(let orderID): if !paid.contains(orderID) { continue }
            case .nothing: continue
            }
            try await apply(step, on: db)
        }
    }

    private func apply(_ step: Step, on db: any SQLDatabase) async throws {
        switch step {
        case .remember(let order):
            try await db.raw(
                """
                INSERT INTO wallet_payments (order_id, user_id, amount, currency, state)
                VALUES (\(bind: order.orderID), \(bind: order.userID), \(bind: order.total.amount), \(bind: order.total.currency), 'awaiting-stock')
                ON CONFLICT (order_id) DO NOTHING
                """
            ).run()
        case .settle(let orderID):
            try await settle(orderID: orderID, on: db)
        case .unwind(let orderID):
            try await unwind(orderID: orderID, on: db)
        case .nothing:
            break
        }
    }

    /// Which of `orderIDs` have a wallet payment row, in one query per 500.
    private func ordersWithPayments(_ orderIDs: [String], on db: any SQLDatabase) async throws -> Set<String> {
        var found: Set<String> = []
        for start in stride(from: 0, to: orderIDs.count, by: 500) {
            var query = SQLQueryString("SELECT order_id FROM wallet_payments WHERE order_id IN ")
            query.appendBindList(Array(orderIDs[start..<min(start + 500, orderIDs.count)]))
            for row in try await db.raw(query).all() { found.insert(try row.decode(column: "order_id", as: String.self)) }
        }
        return found
    }

    private func payment(_ orderID: String, on db: any SQLDatabase) async throws -> (userID: String, amount: Money, state: String)? {
        guard
            let row = try await db.select().columns("user_id", "amount", "currency", "state").from("wallet_payments").where(
                "order_id", .equal, orderID
            ).first()
        else { return nil }
        return (
            try row.decode(column: "user_id", as: String.self),
            Money(amount: try row.decode(column: "amount", as: Int64.self), currency: try row.decode(column: "currency", as: String.self)),
            try row.decode(column: "state", as: String.self)
        )
    }

    private func setState(_ orderID: String, _ state: String, on db: any SQLDatabase) async throws {
        try await db.update("wallet_payments").set("state", to: state).where("order_id", .equal, orderID).run()
    }

    private func settle(orderID: String, on db: any SQLDatabase) async throws {
        guard let payment = try await payment(orderID, on: db), payment.state == "awaiting-stock" else { return }
        guard payment.amount.currency == wallet.currency else {
            try await setState(orderID, "declined", on: db)
            try await events.append(
                WalletDebitDeclined(
                    userID: payment.userID, orderID: orderID, amount: payment.amount, reason: "the wallet holds \(wallet.currency) only"),
                on: db)
            return
        }
        switch try await wallet.debit(userID: payment.userID, amount: payment.amount.amount, kind: .orderDebit, reference: orderID, on: db)
        {
        case .debited(let balance):
            try await setState(orderID, "debited", on: db)
            try await events.append(
                WalletDebited(
                    userID: payment.userID, orderID: orderID, amount: payment.amount,
                    balance: Money(amount: balance, currency: wallet.currency)), on: db)
        case .insufficient:
            try await setState(orderID, "declined", on: db)
            try await events.append(
                WalletDebitDeclined(userID: payment.userID, orderID: orderID, amount: payment.amount, reason: "insufficient balance"),
                on: db)
        case .alreadyDone:
            try await setState(orderID, "debited", on: db)
        }
    }

    private func unwind(orderID: String, on db: any SQLDatabase) async throws {
        guard let payment = try await payment(orderID, on: db) else { return }
        switch payment.state {
        case "awaiting-stock":
            try await setState(orderID, "cancelled", on: db)
        case "debited":
            try await setState(orderID, "refunded", on: db)
            if let balance = try await wallet.credit(
                userID: payment.userID, amount: payment.amount.amount, kind: .orderRefund, reference: orderID, on: db)
            {
                try await events.append(
                    WalletCredited(
                        userID: payment.userID, amount: payment.amount, balance: Money(amount: balance, currency: wallet.currency),
                        reason: "order-refund",
                        reference: orderID), on: db)
            }
        default:
            break
        }
    }
}
