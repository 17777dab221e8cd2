import Contracts
import Platform
import SQLKit

/// Notifications' copy of a user: where mail goes and which notifications they want.
struct Recipient: Sendable {
    let userID: String
    let email: String
    let name: String
    let preferences: Preferences

    /// The preference that governs a notification kind; nil means always delivered.
    func wants(_ topic: NotificationTopic) -> Bool {
        switch topic {
        case .orderUpdates: preferences.orderUpdates
        case .promotions: preferences.promotions
        case .always: true
        }
    }
}

enum NotificationTopic: Sendable {
    case orderUpdates, promotions, always
}

/// The recipients table, kept from `user.*` events by `NotificationSources`.
enum RecipientStore {
    static let columns = ["user_id", "email", "name", "order_updates", "promotions", "email_enabled", "realtime"]

    static func insert(_ recipient: Recipient, on db: any SQLDatabase) async throws {
        let p = recipient.preferences
        try await db.insert(into: "notification_recipients").columns(columns).values(
            SQLBind(recipient.userID), SQLBind(recipient.email), SQLBind(recipient.name), SQLBind(p.orderUpdates ? 1 : 0),
            SQLBind(p.promotions ? 1 : 0), SQLBind(p.email ? 1 : 0), SQLBind(p.realtime ? 1 : 0)
        ).ignoringConflicts().run()
    }

    static func update(userID: String, preferences p: Preferences, on db: any SQLDatabase) async throws {
        try await db.update("notification_recipients")
            .set("order_updates", to: p.orderUpdates ? 1 : 0).set("promotions", to: p.promotions ? 1 : 0)
            .set("email_enabled", to: p.email ? 1 : 0).set("realtime", to: p.realtime ? 1 : 0)
            .where("user_id", .equal, userID).run()
    }

    static func update(userID: String, name: String, on db: any SQLDatabase) async throws {
        try await db.update("notification_recipients").set("name", to: name).where("user_id", .equal, userID).run()
    }

    /// Written out rather than built: it runs in the consumer's transaction for every batch of
    /// order updates, and SQLKit's builder quotes each name again on every run.
    static func find(_ userIDs: [String], on db: any SQLDatabase) async throws -> [Recipient] {
        guard !userIDs.isEmpty else { return [] }
        var query = SQLQueryString("SELECT \(unsafeRaw: columns.joined(separator: ", ")) FROM notification_recipients WHERE user_id IN ")
        query.appendBindList(userIDs)
        return try await db.raw(query).all().map(Recipient.init(row:))
    }

    /// Recipients who want `promotions`, by user id after `after`: a campaign walks them in pages.
    static func wantingPromotions(after: String, limit: Int, on db: any SQLDatabase) async throws -> [Recipient] {
        try await db.select().columns(columns).from("notification_recipients")
            .where("promotions", .equal, 1).where("user_id", .greaterThan, after)
            .orderBy("user_id").limit(limit).all().map(Recipient.init(row:))
    }
}

extension Recipient {
    init(row: any SQLRow) throws {
        userID = try row.decode(column: "user_id", as: String.self)
        email = try row.decode(column: "email", as: String.self)
        name = try row.decode(column: "name", as: String.self)
        preferences = Preferences(
            orderUpdates: try row.decode(column: "order_updates", as: Int.self) != 0,
            promotions: try row.decode(column: "promotions", as: Int.self) != 0,
            email: try row.decode(column: "email_enabled", as: Int.self) != 0,
            realtime: try row.decode(column: "realtime", as: Int.self) != 0)
    }
}
