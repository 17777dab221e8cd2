import Contracts
import Foundation
import Platform
import PlatformCore
import PlatformHTTP
import SQLKit

/// Promotions' rules. A claim marks the assignment and credits the wallet in one transaction,
/// and the conditional update lets exactly one of two racing claims through. Refusals are
/// `PromotionsError`s; the SQL is `PromotionsStore`'s and the ledger's `Wallet`'s.
struct PromotionsService: Sendable {
    let platform: PlatformContext
    let wallet: Wallet
    var store: PromotionsStore { PromotionsStore(database: platform.database) }

    func create(_ payload: CreatePromotionPayload) async throws -> PromotionView {
        guard payload.amount.currency == wallet.currency else {
            throw PromotionsError.invalid([FieldError(field: "amount.currency", message: "must be the wallet currency, \(wallet.currency)")]
            )
        }
        let now = platform.clock.now()
        let view = PromotionView(
            id: UUID().uuidString.lowercased(), title: payload.title.trimmingCharacters(in: .whitespacesAndNewlines),
            description: payload.description,
            amount: payload.amount, startsAt: payload.startsAt, endsAt: payload.endsAt, createdAt: now)
        try await platform.database.transaction { [events = platform.events] db in
            try await PromotionsStore.insert(view, on: db)
            try await events.append(
                PromotionCreated(
                    promotionID: view.id, title: view.title, amount: view.amount, startsAt: view.startsAt, endsAt: view.endsAt), on: db)
        }
        return view
    }

    func list(after cursor: KeysetCursor?, limit: Int) async throws -> [PromotionView] {
        try await store.list(after: cursor, limit: limit)
    }

    /// Assigns to users who do not have it yet; returns how many were newly assigned. Ids that
    /// name no known user refuse the whole request (422 naming them); two statements whatever
    /// the number of users.
    func assign(promotionID: String, userIDs: [String]) async throws -> Int {
        let now = platform.clock.now().millisecondsSince1970
        return try await platform.database.transaction { [events = platform.events] db in
            guard let title = try await PromotionsStore.title(of: promotionID, on: db) else { throw PromotionsError.promotionNotFound }
            let unknown = try await PromotionUsers.unknown(Set(userIDs), on: db)
            guard unknown.isEmpty else {
                let named = unknown.prefix(10).joined(separator: ", ") + (unknown.count > 10 ? " and \(unknown.count - 10) more" : "")
                throw PromotionsError.invalid([FieldError(field: "userIds", message: "names no known user: \(named)")])
            }
            let fresh = try await PromotionsStore.assign(promotionID, to: Set(userIDs), at: now, on: db)
            if !fresh.isEmpty { try await events.append(PromotionAssigned(promotionID: promotionID, title: title, userIDs: fresh), on: db) }
            return fresh.count
        }
    }

    /// The user's promotions, most recently assigned first, a keyset page at a time, each with its state now.
    func assigned(to userID: String, after cursor: KeysetCursor?, limit: Int) async throws -> [PromotionView] {
        let now = platform.clock.now()
        return try await store.assigned(to: userID, after: cursor, limit: limit).map { row in
            var view = row.view
            view.assignedAt = Date(millisecondsSince1970: row.assignedAt)
            view.claimedAt = row.claimedAt.map(Date.init(millisecondsSince1970:))
            view.state =
                view.claimedAt != nil
                ? "claimed"
                : view.endsAt.map { $0 <= now } == true
                    ? "expired"
                    : view.startsAt.map { $0 > now } == true ? "upcoming" : "available"
            return view
        }
    }

    func claim(promotionID: String, userID: String) async throws -> Money {
        let now = platform.clock.now().millisecondsSince1970
        return try await platform.database.transaction { [events = platform.events, wallet] db in
            guard let assignment = try await PromotionsStore.assignment(promotionID, of: userID, on: db) else {
                throw PromotionsError.promotionNotFound
            }
            if assignment.claimedAt != nil { throw PromotionsError.alreadyClaimed }
            if let starts = assignment.startsAt, starts > now { throw PromotionsError.notStarted }
            if let ends = assignment.endsAt, ends <= now { throw PromotionsError.expired }
            guard try await PromotionsStore.markClaimed(promotionID, by: userID, at: now, on: db) else {
                throw PromotionsError.alreadyClaimed
            }
            let amount = assignment.amount
            guard
                let balance = try await wallet.credit(
                    userID: userID, amount: amount.amount, kind: .promotion, reference: promotionID, on: db)
            else {
                throw PromotionsError.alreadyClaimed
            }
            let newBalance = Money(amount: balance, currency: wallet.currency)
            try await events.append(PromotionClaimed(promotionID: promotionID, userID: userID, amount: amount, balance: newBalance), on: db)
            try await events.append(
                WalletCredited(userID: userID, amount: amount, balance: newBalance, reason: "promotion", reference: promotionID), on: db)
            return newBalance
        }
    }

    func walletEntries(userID: String, after cursor: KeysetCursor?, limit: Int) async throws -> [WalletEntryView] {
        try await store.walletEntries(userID: userID, after: cursor, limit: limit)
    }

    func balance(userID: String) async throws -> Money {
        Money(
            amount: try await platform.database.read { db in try await wallet.balance(userID: userID, on: db) }, currency: wallet.currency)
    }
}
