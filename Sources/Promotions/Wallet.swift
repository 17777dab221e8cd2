import Contracts
import Foundation
import PlatformCore
import SQLKit

/// The wallet: a ledger of entries plus a balance per user that can never go below zero
/// (`CHECK (balance >= 0)` and a conditional update). An entry is unique per (kind, reference,
/// user), so a promotion credits once, an order debits once and refunds once, however often the
/// triggering event is delivered.
struct Wallet: Sendable {
    let currency: String
    let clock: any WallClock

    enum Kind: String {
        case promotion
        case orderDebit = "order-debit"
        case orderRefund = "order-refund"
    }

    /// Credits `amount`; nil when this (kind, reference) was already credited.
    func credit(userID: String, amount: Int64, kind: Kind, reference: String, on db: any SQLDatabase) async throws -> Int64? {
        guard try await claimEntry(userID: userID, amount: amount, kind: kind, reference: reference, on: db) else { return nil }
        let row = try await db.raw(
            """
            INSERT INTO wallet_balances (user_id, currency, balance) VALUES (\(bind: userID), \(bind: currency), \(bind: amount))
            ON CONFLICT (user_id, currency) DO UPDATE SET balance = wallet_balances.balance + excluded.balance
            RETURNING balance
            """
        ).first()
        let balance = try row?.decode(column: "balance", as: Int64.self) ?? amount
        try await setBalanceAfter(balance, userID: userID, kind: kind, reference: reference, on: db)
        return balance
    }

    enum DebitOutcome: Equatable {
        case debited(balance: Int64)
        case insufficient
        case alreadyDone
    }

    func debit(userID: String, amount: Int64, kind: Kind, reference: String, on db: any SQLDatabase) async throws -> DebitOutcome {
        guard try await claimEntry(userID: userID, amount: -amount, kind: kind, reference: reference, on: db) else { return .alreadyDone }
        let row = try await db.raw(
            """
            UPDATE wallet_balances SET balance = balance - \(bind: amount)
            WHERE user_id = \(bind: userID) AND currency = \(bind: currency) AND balance >= \(bind: amount)
            RETURNING balance
            """
        ).first()
        guard let balance = try row?.decode(column: "balance", as: Int64.self) else {
            try await db.delete(from: "wallet_entries").where("kind", .equal, kind.rawValue).where("reference", .equal, reference)
                .where("user_id", .equal, userID).run()
            return .insufficient
        }
        try await setBalanceAfter(balance, userID: userID, kind: kind, reference: reference, on: db)
        return .debited(balance: balance)
    }

    func balance(userID: String, on db: any SQLDatabase) async throws -> Int64 {
        try await db.select().column("balance").from("wallet_balances").where("user_id", .equal, userID).where("currency", .equal, currency)
            .first()?.decode(column: "balance", as: Int64.self) ?? 0
    }

    private func claimEntry(userID: String, amount: Int64, kind: Kind, reference: String, on db: any SQLDatabase) async throws -> Bool {
        try await db.raw(
            """
            INSERT INTO wallet_entries (user_id, kind, reference, amount, currency, balance_after, created_at)
            VALUES (\(bind: userID), \(bind: kind.rawValue), \(bind: reference), \(bind: amount), \(bind: currency), 0, \(bind: clock.now().millisecondsSince1970))
            ON CONFLICT DO NOTHING RETURNING id
            """
        ).first() != nil
    }

    private func setBalanceAfter(_ balance: Int64, userID: String, kind: Kind, reference: String, on db: any SQLDatabase) async throws {
        try await db.update("wallet_entries").set("balance_after", to: balance).where("kind", .equal, kind.rawValue)
            .where("reference", .equal, reference).where("user_id", .equal, userID).run()
    }
}
