import Contracts
import Foundation
import Platform
import SQLKit

struct CreatePromotionPayload: RequestPayload {
    static let allowedFields: Set<String> = ["title", "description", "amount", "startsAt", "endsAt"]
    static let nestedFields: [String: Set<String>] = ["amount": NestedFields.money]
    let title: String
    let description: String
    let amount: Money
    let startsAt: Date?
    let endsAt: Date?

    func validate() -> [FieldError] {
        var errors = [Validate.length(title, field: "title", max: 200), description.count > 5000 ? FieldError(field: "description", message: "must be at most 5000 characters") : nil]
            .compactMap { $0 }
        errors += amount.validate(field: "amount")
        if amount.amount == 0 { errors.append(FieldError(field: "amount.amount", message: "must be greater than 0")) }
        if let startsAt, let endsAt, endsAt <= startsAt { errors.append(FieldError(field: "endsAt", message: "must be after startsAt")) }
        return errors
    }
}

struct AssignPayload: RequestPayload {
    static let allowedFields: Set<String> = ["userIds"]
    let userIds: [String]

    func validate() -> [FieldError] {
        if userIds.isEmpty || userIds.count > 1000 { return [FieldError(field: "userIds", message: "must list 1 to 1000 user ids")] }
        if userIds.contains(where: { $0.isEmpty || $0.count > 64 }) { return [FieldError(field: "userIds", message: "must contain user ids")] }
        return []
    }
}

struct PromotionView: Codable, Sendable {
    let id: String
    let title: String
    let description: String
    let amount: Money
    let startsAt: Date?
    let endsAt: Date?
    let createdAt: Date
    /// For the assigned user: available | claimed | expired | upcoming.
    var state: String?
    var assignedAt: Date?
    var claimedAt: Date?
}

struct WalletEntryView: Codable, Sendable {
    let id: Int64
    let kind: String
    let reference: String
    let amount: Money
    let balanceAfter: Money
    let createdAt: Date
}

/// Promotions' use cases. A claim marks the assignment and credits the wallet in one
/// transaction, and the conditional update lets exactly one of two racing claims through.
struct PromotionsService: Sendable {
    let platform: PlatformContext
    let wallet: Wallet

    func create(_ payload: CreatePromotionPayload) async throws -> PromotionView {
        guard payload.amount.currency == wallet.currency else {
            throw PromotionsError.invalid([FieldError(field: "amount.currency", message: "must be the wallet currency, \(wallet.currency)")])
        }
        let now = platform.clock.now()
        let view = PromotionView(
            id: UUID().uuidString.lowercased(), title: payload.title.trimmingCharacters(in: .whitespacesAndNewlines), description: payload.description,
            amount: payload.amount, startsAt: payload.startsAt, endsAt: payload.endsAt, createdAt: now)
        try await platform.database.transaction { [events = platform.events] db in
            try await db.insert(into: "promotions").columns("id", "title", "description", "amount", "currency", "starts_at", "ends_at", "created_at").values(
                SQLBind(view.id), SQLBind(view.title), SQLBind(view.description), SQLBind(view.amount.amount), SQLBind(view.amount.currency),
                SQLBind(view.startsAt?.millisecondsSince1970), SQLBind(view.endsAt?.millisecondsSince1970), SQLBind(now.millisecondsSince1970)
            ).run()
            try await events.append(PromotionCreated(promotionID: view.id, title: view.title, amount: view.amount, startsAt: view.startsAt, endsAt: view.endsAt), on: db)
        }
        return view
    }

    func list(after cursor: KeysetCursor?, limit: Int) async throws -> [PromotionView] {
        try await platform.database.read { db in
            var select = db.select().column("*").from("promotions")
            if let cursor {
                select = select.where(cursor.olderRows)
            }
            return try await select.orderBy("created_at", .descending).orderBy("id", .descending).limit(limit).all().map { try PromotionView(row: $0) }
        }
    }

    /// Assigns to users who do not have it yet; returns how many were newly assigned. Ids that
    /// name no known user refuse the whole request (422 naming them); two statements whatever
    /// the number of users.
    func assign(promotionID: String, userIDs: [String]) async throws -> Int {
        let now = platform.clock.now().millisecondsSince1970
        return try await platform.database.transaction { [events = platform.events] db in
            guard let promotion = try await db.select().column("title").from("promotions").where("id", .equal, promotionID).first() else {
                throw PromotionsError.promotionNotFound
            }
            let unknown = try await PromotionUsers.unknown(Set(userIDs), on: db)
            guard unknown.isEmpty else {
                let named = unknown.prefix(10).joined(separator: ", ") + (unknown.count > 10 ? " and \(unknown.count - 10) more" : "")
                throw PromotionsError.invalid([FieldError(field: "userIds", message: "names no known user: \(named)")])
            }
            // The SELECT's WHERE keeps SQLite from reading ON CONFLICT as a join constraint.
            let fresh = try await db.raw(
                """
                INSERT INTO promotion_assignments (promotion_id, user_id, assigned_at)
                SELECT \(bind: promotionID), user_id, \(bind: now) FROM promotion_users WHERE user_id IN (\(binds: Array(Set(userIDs))))
                ON CONFLICT DO NOTHING RETURNING user_id
                """
            ).all().map { try $0.decode(column: "user_id", as: String.self) }.sorted()
            if !fresh.isEmpty {
                try await events.append(PromotionAssigned(promotionID: promotionID, title: try promotion.decode(column: "title", as: String.self), userIDs: fresh), on: db)
            }
            return fresh.count
        }
    }

    /// The user's promotions, most recently assigned first, a keyset page at a time.
    func assigned(to userID: String, after cursor: KeysetCursor?, limit: Int) async throws -> [PromotionView] {
        let now = platform.clock.now()
        let older: SQLQueryString = cursor.map {
            "AND (a.assigned_at < \(bind: $0.timestamp) OR (a.assigned_at = \(bind: $0.timestamp) AND p.id < \(bind: $0.id)))"
        } ?? ""
        return try await platform.database.read { db in
            try await db.raw(
                """
                SELECT p.*, a.assigned_at, a.claimed_at FROM promotion_assignments a JOIN promotions p ON p.id = a.promotion_id
                WHERE a.user_id = \(bind: userID) \(older) ORDER BY a.assigned_at DESC, p.id DESC LIMIT \(literal: limit)
                """
            ).all().map { row in
                var view = try PromotionView(row: row)
                view.assignedAt = Date(millisecondsSince1970: try row.decode(column: "assigned_at", as: Int64.self))
                view.claimedAt = try row.decode(column: "claimed_at", as: Int64?.self).map(Date.init(millisecondsSince1970:))
                view.state = view.claimedAt != nil ? "claimed" : view.endsAt.map { $0 <= now } == true ? "expired"
                    : view.startsAt.map { $0 > now } == true ? "upcoming" : "available"
                return view
            }
        }
    }

    func claim(promotionID: String, userID: String) async throws -> Money {
        let now = platform.clock.now()
        return try await platform.database.transaction { [events = platform.events, wallet] db in
            guard let row = try await db.raw(
                """
                SELECT p.amount, p.currency, p.starts_at, p.ends_at, a.claimed_at FROM promotion_assignments a JOIN promotions p ON p.id = a.promotion_id
                WHERE a.promotion_id = \(bind: promotionID) AND a.user_id = \(bind: userID)
                """
            ).first() else { throw PromotionsError.promotionNotFound }
            if try row.decode(column: "claimed_at", as: Int64?.self) != nil { throw PromotionsError.alreadyClaimed }
            if let starts = try row.decode(column: "starts_at", as: Int64?.self), starts > now.millisecondsSince1970 {
                throw PromotionsError.notStarted
            }
            if let ends = try row.decode(column: "ends_at", as: Int64?.self), ends <= now.millisecondsSince1970 {
                throw PromotionsError.expired
            }
            let claimed = try await db.raw(
                """
                UPDATE promotion_assignments SET claimed_at = \(bind: now.millisecondsSince1970)
                WHERE promotion_id = \(bind: promotionID) AND user_id = \(bind: userID) AND claimed_at IS NULL RETURNING user_id
                """
            ).first()
            guard claimed != nil else { throw PromotionsError.alreadyClaimed }
            let amount = Money(amount: try row.decode(column: "amount", as: Int64.self), currency: try row.decode(column: "currency", as: String.self))
            guard let balance = try await wallet.credit(userID: userID, amount: amount.amount, kind: .promotion, reference: promotionID, on: db) else {
                throw PromotionsError.alreadyClaimed
            }
            let newBalance = Money(amount: balance, currency: wallet.currency)
            try await events.append(PromotionClaimed(promotionID: promotionID, userID: userID, amount: amount, balance: newBalance), on: db)
            try await events.append(WalletCredited(userID: userID, amount: amount, balance: newBalance, reason: "promotion", reference: promotionID), on: db)
            return newBalance
        }
    }

    func walletEntries(userID: String, after cursor: KeysetCursor?, limit: Int) async throws -> [WalletEntryView] {
        try await platform.database.read { db in
            var select = db.select().column("*").from("wallet_entries").where("user_id", .equal, userID)
            if let cursor, let id = Int64(cursor.id) { select = select.where("id", .lessThan, id) }
            return try await select.orderBy("id", .descending).limit(limit).all().map { row in
                let currency = try row.decode(column: "currency", as: String.self)
                return WalletEntryView(
                    id: try row.decode(column: "id", as: Int64.self), kind: try row.decode(column: "kind", as: String.self),
                    reference: try row.decode(column: "reference", as: String.self),
                    amount: Money(amount: try row.decode(column: "amount", as: Int64.self), currency: currency),
                    balanceAfter: Money(amount: try row.decode(column: "balance_after", as: Int64.self), currency: currency),
                    createdAt: Date(millisecondsSince1970: try row.decode(column: "created_at", as: Int64.self)))
            }
        }
    }

    func balance(userID: String) async throws -> Money {
        Money(amount: try await platform.database.read { db in try await wallet.balance(userID: userID, on: db) }, currency: wallet.currency)
    }
}

extension PromotionView {
    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: String.self)
        title = try row.decode(column: "title", as: String.self)
        description = try row.decode(column: "description", as: String.self)
        amount = Money(amount: try row.decode(column: "amount", as: Int64.self), currency: try row.decode(column: "currency", as: String.self))
        startsAt = try row.decode(column: "starts_at", as: Int64?.self).map(Date.init(millisecondsSince1970:))
        endsAt = try row.decode(column: "ends_at", as: Int64?.self).map(Date.init(millisecondsSince1970:))
        createdAt = Date(millisecondsSince1970: try row.decode(column: "created_at", as: Int64.self))
    }
}
