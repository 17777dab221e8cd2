import Contracts
import Foundation
import JWTKit
import Platform
import PlatformAuth
import SQLKit

/// Sessions and their refresh tokens. A refresh token is spent when used and replaced by a new
/// one; presenting a spent token means it was stolen or replayed, and ends the whole session.
struct Sessions: Sendable {
    let platform: PlatformContext
    let keys: SigningKeys
    let accessTokenLifetime: TimeInterval
    let refreshTokenLifetime: TimeInterval

    struct TokenPair: Codable, Sendable {
        let accessToken: String
        let refreshToken: String
        let tokenType: String
        let expiresIn: Int
    }

    /// Starts a session inside the caller's transaction.
    func start(for user: UserRecord, on db: any SQLDatabase) async throws -> TokenPair {
        let sessionID = UUID().uuidString.lowercased()
        try await db.insert(into: "sessions").columns("id", "user_id", "created_at")
            .values(SQLBind(sessionID), SQLBind(user.id), SQLBind(platform.clock.now().millisecondsSince1970)).run()
        return try await issue(sessionID: sessionID, user: user, on: db)
    }

    private func issue(sessionID: String, user: UserRecord, on db: any SQLDatabase) async throws -> TokenPair {
        // JWT NumericDates in whole seconds: some verifiers reject fractional `iat`/`exp`.
        let now = Date(timeIntervalSince1970: platform.clock.now().timeIntervalSince1970.rounded(.down))
        let refresh = Secrets.randomToken()
        try await db.insert(into: "refresh_tokens").columns("token_hash", "session_id", "issued_at", "expires_at").values(
            SQLBind(Secrets.sha256(refresh)), SQLBind(sessionID), SQLBind(now.millisecondsSince1970),
            SQLBind(now.addingTimeInterval(refreshTokenLifetime).millisecondsSince1970)
        ).run()
        let claims = AccessTokenClaims(
            iss: .init(value: platform.verifier.audience.issuer), aud: .init(value: [platform.verifier.audience.audience]),
            sub: .init(value: user.id), exp: .init(value: now.addingTimeInterval(accessTokenLifetime)), iat: .init(value: now),
            jti: .init(value: UUID().uuidString.lowercased()), role: user.role.rawValue, sid: sessionID)
        return TokenPair(
            accessToken: try await keys.sign(claims), refreshToken: refresh, tokenType: "Bearer", expiresIn: Int(accessTokenLifetime))
    }

    enum RefreshOutcome: Sendable {
        case rotated(TokenPair, UserRecord)
        case invalid
        case reused
    }

    /// Spends `refreshToken` and issues a new pair. Two concurrent uses of one token cannot both
    /// succeed: the spend is a conditional update, and the loser sees a spent token.
    func refresh(_ refreshToken: String) async throws -> RefreshOutcome {
        let hash = Secrets.sha256(refreshToken)
        let now = platform.clock.now()
        let outcome = try await platform.database.transaction { db -> RefreshOutcome in
            let spent = try await db.raw(
                """
                UPDATE refresh_tokens SET spent_at = \(bind: now.millisecondsSince1970)
                WHERE token_hash = \(bind: hash) AND spent_at IS NULL AND expires_at > \(bind: now.millisecondsSince1970)
                RETURNING session_id
                """
            ).first()
            guard let spent else {
                let known = try await db.select().column("session_id").column("spent_at").from("refresh_tokens").where(
                    "token_hash", .equal, hash
                ).first()
                guard let known, try known.decode(column: "spent_at", as: Int64?.self) != nil else { return .invalid }
                let sessionID = try known.decode(column: "session_id", as: String.self)
                try await revoke(sessionIDs: [sessionID], reason: "refresh-token-reuse", on: db)
                // Security event, committed with the revocation: a spent refresh token came back.
                try await platform.audit.record("refresh-token-reuse", target: "session \(sessionID)", on: db)
                return .reused
            }
            let sessionID = try spent.decode(column: "session_id", as: String.self)
            guard
                let session = try await db.select().column("user_id").column("revoked_at").from("sessions").where("id", .equal, sessionID)
                    .first(),
                try session.decode(column: "revoked_at", as: Int64?.self) == nil,
                let user = try await UserStore.find(id: try session.decode(column: "user_id", as: String.self), on: db)
            else { return .invalid }
            return .rotated(try await issue(sessionID: sessionID, user: user, on: db), user)
        }
        return outcome
    }

    /// Ends the session the refresh token belongs to. False when the token is unknown.
    func end(refreshToken: String) async throws -> Bool {
        let hash = Secrets.sha256(refreshToken)
        return try await platform.database.transaction { db in
            guard let row = try await db.select().column("session_id").from("refresh_tokens").where("token_hash", .equal, hash).first()
            else { return false }
            try await revoke(sessionIDs: [try row.decode(column: "session_id", as: String.self)], reason: "logout", on: db)
            return true
        }
    }

    /// Ends every open session of a user (password reset, role change).
    func endAll(userID: String, reason: String, on db: any SQLDatabase) async throws {
        let rows = try await db.select().column("id").from("sessions").where("user_id", .equal, userID).where(
            "revoked_at", .is, SQLLiteral.null
        ).all()
        try await revoke(sessionIDs: try rows.map { try $0.decode(column: "id", as: String.self) }, reason: reason, on: db)
    }

    /// Marks sessions revoked and publishes it, so every process refuses their access tokens.
    /// The local verifier learns it at once; the revocation is applied before commit, which
    /// errs on the side of refusing a token.
    private func revoke(sessionIDs: [String], reason: String, on db: any SQLDatabase) async throws {
        guard !sessionIDs.isEmpty else { return }
        let now = platform.clock.now()
        var userID: String?
        for id in sessionIDs {
            let row = try await db.raw(
                "UPDATE sessions SET revoked_at = \(bind: now.millisecondsSince1970), revoked_reason = \(bind: reason) WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING user_id"
            ).first()
            if let row { userID = try row.decode(column: "user_id", as: String.self) }
        }
        guard let userID else { return }
        try await platform.events.append(SessionsRevoked(userID: userID, sessionIDs: sessionIDs, reason: reason), on: db)
        platform.verifier.revoke(sessionIDs: sessionIDs, at: now)
    }
}
