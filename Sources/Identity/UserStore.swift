import Contracts
import Foundation
import PlatformDatabase
import PlatformHTTP
import SQLKit

/// SQL for users and password resets (sessions, signing keys and the login throttle keep theirs
/// in `Sessions`, `SigningKeys` and `LoginThrottle`). The `static` functions run in a
/// transaction the caller holds.
struct UserStore: Sendable {
    static let columns = [
        "id", "email", "password_hash", "name", "role", "phone", "address", "pref_order_updates", "pref_promotions", "pref_email",
        "pref_realtime", "created_at",
    ]

    let database: any Database

    func find(id: String) async throws -> UserRecord? {
        try await database.read { db in try await Self.find(id: id, on: db) }
    }

    func find(email: String) async throws -> UserRecord? {
        try await database.read { db in
            try await db.select().columns(Self.columns.map { SQLColumn($0) }).from("users").where("email", .equal, email).first().map(
                UserRecord.init(row:))
        }
    }

    static func find(id: String, on db: any SQLDatabase) async throws -> UserRecord? {
        try await db.select().columns(columns.map { SQLColumn($0) }).from("users").where("id", .equal, id).first().map(
            UserRecord.init(row:))
    }

    func list(after cursor: String?, emailContains: String?, limit: Int) async throws -> [UserRecord] {
        try await database.read { db in
            var select = db.select().columns(Self.columns.map { SQLColumn($0) }).from("users")
            if let cursor { select = select.where("id", .greaterThan, cursor) }
            if let emailContains {
                let escaped = emailContains.lowercased().replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                select = select.where(SQLQueryString("email LIKE \(bind: "%\(escaped)%") ESCAPE '\\'"))
            }
            return try await select.orderBy("id").limit(limit).all().map(UserRecord.init(row:))
        }
    }

    static func insert(_ user: UserRecord, now: Date, on db: any SQLDatabase) async throws {
        try await db.insert(into: "users").columns(columns + ["updated_at"]).values(
            SQLBind(user.id), SQLBind(user.email), SQLBind(user.passwordHash), SQLBind(user.name), SQLBind(user.role.rawValue),
            SQLBind(user.phone), SQLBind(try user.address.map(encodeAddress)), SQLBind(user.preferences.orderUpdates),
            SQLBind(user.preferences.promotions), SQLBind(user.preferences.email), SQLBind(user.preferences.realtime),
            SQLBind(user.createdAt.millisecondsSince1970), SQLBind(now.millisecondsSince1970)
        ).run()
    }

    static func emailExists(_ email: String, on db: any SQLDatabase) async throws -> Bool {
        try await db.select().column("id").from("users").where("email", .equal, email).first() != nil
    }

    static func updateProfile(_ user: UserRecord, at now: Int64, on db: any SQLDatabase) async throws {
        try await db.update("users").set("name", to: user.name).set("phone", to: user.phone)
            .set("address", to: try user.address.map(encodeAddress)).set("updated_at", to: now)
            .where("id", .equal, user.id).run()
    }

    /// False when there is no such user.
    static func updatePreferences(_ userID: String, _ preferences: Preferences, at now: Int64, on db: any SQLDatabase) async throws -> Bool
    {
        try await db.raw(
            """
            UPDATE users SET pref_order_updates = \(bind: preferences.orderUpdates), pref_promotions = \(bind: preferences.promotions),
            pref_email = \(bind: preferences.email), pref_realtime = \(bind: preferences.realtime), updated_at = \(bind: now)
            WHERE id = \(bind: userID) RETURNING id
            """
        ).first() != nil
    }

    static func setRole(_ userID: String, to role: Role, at now: Int64, on db: any SQLDatabase) async throws {
        try await db.update("users").set("role", to: role.rawValue).set("updated_at", to: now).where("id", .equal, userID).run()
    }

    static func setPasswordHash(_ userID: String, to hash: String, at now: Int64, on db: any SQLDatabase) async throws {
        try await db.update("users").set("password_hash", to: hash).set("updated_at", to: now).where("id", .equal, userID).run()
    }

    /// How many admins there are, their rows locked (on PostgreSQL) until the transaction ends:
    /// two admins demoting each other at once take turns, so the second sees one admin left.
    static func lockAdmins(engine: DatabaseEngine, on db: any SQLDatabase) async throws -> Int {
        try await db.raw("SELECT id FROM users WHERE role = \(bind: Role.admin.rawValue)\(unsafeRaw: engine.forUpdate)").all().count
    }

    static func addPasswordReset(tokenHash: String, userID: String, expiresAt: Int64, on db: any SQLDatabase) async throws {
        try await db.insert(into: "password_resets").columns("token_hash", "user_id", "expires_at")
            .values(SQLBind(tokenHash), SQLBind(userID), SQLBind(expiresAt)).run()
    }

    /// Marks a live reset token used; its user, or nil when it is unknown, expired or used.
    static func usePasswordReset(tokenHash: String, at now: Int64, on db: any SQLDatabase) async throws -> String? {
        try await db.raw(
            "UPDATE password_resets SET used_at = \(bind: now) WHERE token_hash = \(bind: tokenHash) AND used_at IS NULL AND expires_at > \(bind: now) RETURNING user_id"
        ).first()?.decode(column: "user_id", as: String.self)
    }

    static func encodeAddress(_ address: Address) throws -> String {
        String(decoding: try JSONEncoder().encode(address), as: UTF8.self)
    }
}

extension UserRecord {
    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: String.self)
        email = try row.decode(column: "email", as: String.self)
        passwordHash = try row.decode(column: "password_hash", as: String.self)
        name = try row.decode(column: "name", as: String.self)
        role = Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .user
        phone = try row.decode(column: "phone", as: String?.self)
        address = try row.decode(column: "address", as: String?.self).flatMap {
            try? JSONDecoder().decode(Address.self, from: Data($0.utf8))
        }
        preferences = Preferences(
            orderUpdates: try row.decode(column: "pref_order_updates", as: Bool.self),
            promotions: try row.decode(column: "pref_promotions", as: Bool.self),
            email: try row.decode(column: "pref_email", as: Bool.self),
            realtime: try row.decode(column: "pref_realtime", as: Bool.self))
        createdAt = Date(millisecondsSince1970: try row.decode(column: "created_at", as: Int64.self))
    }
}
