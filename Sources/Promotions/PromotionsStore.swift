import Contracts
import Foundation
import PlatformCore
import PlatformDatabase
import PlatformHTTP
import SQLKit

/// All of Promotions' SQL but the wallet ledger's (`Wallet`): promotions, their assignments
/// and claims. The `static` functions run in a transaction the caller holds.
struct PromotionsStore: Sendable {
    let database: any Database

    static func insert(_ view: PromotionView, on db: any SQLDatabase) async throws {
        try await db.insert(into: "promotions").columns(
            "id", "title", "description", "amount", "currency", "starts_at", "ends_at", "created_at"
        ).values(
            SQLBind(view.id), SQLBind(view.title), SQLBind(view.description), SQLBind(view.amount.amount), SQLBind(view.amount.currency),
            SQLBind(view.startsAt?.millisecondsSince1970), SQLBind(view.endsAt?.millisecondsSince1970),
            SQLBind(view.createdAt.millisecondsSince1970)
        ).run()
    }

    /// Newest first.
    func list(after cursor: KeysetCursor?, limit: Int) async throws -> [PromotionView] {
        try await database.read { db in
            var select = db.select().column("*").from("promotions")
            if let cursor {
                select = select.where(cursor.olderRows)
            }
            return try await select.orderBy("created_at", .descending).orderBy("id", .descending).limit(limit).all().map {
                try PromotionView(row: $0)
            }
        }
    }

    static func title(of promotionID: String, on db: any SQLDatabase) async throws -> String? {
        try await db.select().column("title").from("promotions").where("id", .equal, promotionID).first()?.decode(
            column: "title", as: String.self)
    }

    /// Assigns to the known users among `userIDs` who do not have it yet; returns them, sorted.
    static func assign(_ promotionID: String, to userIDs: Set<String>, at now: Int64, on db: any SQLDatabase) async throws -> [String] {
        // The SELECT's WHERE keeps SQLite from reading ON CONFLICT as a join constraint.
        try await db.raw(
            """
            INSERT INTO promotion_assignments (promotion_id, user_id, assigned_at)
            SELECT \(bind: promotionID), user_id, \(bind: now) FROM promotion_users WHERE user_id IN (\(binds: Array(userIDs)))
            ON CONFLICT DO NOTHING RETURNING user_id
            """
        ).all().map { try $0.decode(column: "user_id", as: String.self) }.sorted()
    }

    /// The user's promotions, most recently assigned first, with when each was assigned and claimed.
    func assigned(
        to userID: String, after cursor: KeysetCursor?, limit: Int
    ) async throws -> [(view: PromotionView, assignedAt: Int64, claimedAt: Int64?)] {
        let older: SQLQueryString =
            cursor.map {
                "AND (a.assigned_at < \(bind: $0.timestamp) OR (a.assigned_at = \(bind: $0.timestamp) AND p.id < \(bind: $0.id)))"
            } ?? ""
        return try await database.read { db in
            try await db.raw(
                """
                SELECT p.*, a.assigned_at, a.claimed_at FROM promotion_assignments a JOIN promotions p ON p.id = a.promotion_id
                WHERE a.user_id = \(bind: userID) \(older) ORDER BY a.assigned_at DESC, p.id DESC LIMIT \(literal: limit)
                """
            ).all().map { row in
                (
                    try PromotionView(row: row), try row.decode(column: "assigned_at", as: Int64.self),
                    try row.decode(column: "claimed_at", as: Int64?.self)
                )
            }
        }
    }

    /// One user's assignment of a promotion, as a claim needs it.
    struct Assignment: Sendable {
        let amount: Money
        let startsAt: Int64?
        let endsAt: Int64?
        let claimedAt: Int64?
    }

    static func assignment(_ promotionID: String, of userID: String, on db: any SQLDatabase) async throws -> Assignment? {
        guard
            let row = try await db.raw(
                """
                SELECT p.amount, p.currency, p.starts_at, p.ends_at, a.claimed_at FROM promotion_assignments a JOIN promotions p ON p.id = a.promotion_id
                WHERE a.promotion_id = \(bind: promotionID) AND a.user_id = \(bind: userID)
                """
            ).first()
        else { return nil }
        return Assignment(
            amount: Money(
                amount: try row.decode(column: "amount", as: Int64.self), currency: try row.decode(column: "currency", as: String.self)),
            startsAt: try row.decode(column: "starts_at", as: Int64?.self), endsAt: try row.decode(column: "ends_at", as: Int64?.self),
            claimedAt: try row.decode(column: "claimed_at", as: Int64?.self))
    }

    /// Marks the assignment claimed; false when another claim got there first.
    static func markClaimed(_ promotionID: String, by userID: String, at now: Int64, on db: any SQLDatabase) async throws -> Bool {
        try await db.raw(
            """
            UPDATE promotion_assignments SET claimed_at = \(bind: now)
            WHERE promotion_id = \(bind: promotionID) AND user_id = \(bind: userID) AND claimed_at IS NULL RETURNING user_id
            """
        ).first() != nil
    }

    /// The user's wallet ledger, newest first.
    func walletEntries(userID: String, after cursor: KeysetCursor?, limit: Int) async throws -> [WalletEntryView] {
        try await database.read { db in
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
}

extension PromotionView {
    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: String.self)
        title = try row.decode(column: "title", as: String.self)
        description = try row.decode(column: "description", as: String.self)
        amount = Money(
            amount: try row.decode(column: "amount", as: Int64.self), currency: try row.decode(column: "currency", as: String.self))
        startsAt = try row.decode(column: "starts_at", as: Int64?.self).map(Date.init(millisecondsSince1970:))
        endsAt = try row.decode(column: "ends_at", as: Int64?.self).map(Date.init(millisecondsSince1970:))
        createdAt = Date(millisecondsSince1970: try row.decode(column: "created_at", as: Int64.self))
    }
}
