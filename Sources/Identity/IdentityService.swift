import Contracts
import Foundation
import Logging
import Platform
import PlatformAuth
import PlatformHTTP
import PlatformMail
import SQLKit

/// Identity's rules. Every state change and its event commit in one transaction; refusals are
/// `IdentityError`s, the SQL is `UserStore`'s (and `Sessions`').
struct IdentityService: Sendable {
    let platform: PlatformContext
    let users: UserStore
    let sessions: Sessions
    let hasher: PasswordHasher
    let throttle: LoginThrottle
    let passwordResetLifetime: TimeInterval
    let publicBaseURL: String

    struct AuthResult: Codable, Sendable {
        let user: UserView
        let accessToken: String
        /// Absent when a browser asked for it as a cookie (BrowserSession).
        var refreshToken: String?
        let tokenType: String
        let expiresIn: Int

        init(user: UserRecord, tokens: Sessions.TokenPair) {
            self.user = UserView(user)
            accessToken = tokens.accessToken
            refreshToken = tokens.refreshToken
            tokenType = tokens.tokenType
            expiresIn = tokens.expiresIn
        }
    }

    func register(_ body: RegisterPayload) async throws -> AuthResult {
        let hash = try await hasher.hash(body.password)
        let user = try await createUser(email: body.email, passwordHash: hash, name: body.name, role: .user)
        let tokens = try await platform.database.transaction { db in try await sessions.start(for: user, on: db) }
        return AuthResult(user: user, tokens: tokens)
    }

    /// Creates a user and publishes `user.registered`. A duplicate email (including two
    /// registrations racing) is a 409: the unique index decides.
    func createUser(email: String, passwordHash: String, name: String, role: Role) async throws -> UserRecord {
        let now = platform.clock.now()
        let user = UserRecord(
            id: UUID().uuidString.lowercased(), email: EmailAddress.normalize(email), passwordHash: passwordHash,
            name: name.trimmingCharacters(in: .whitespacesAndNewlines), role: role, phone: nil, address: nil, preferences: .defaults,
            createdAt: now)
        do {
            try await platform.database.transaction { [events = platform.events] db in
                if try await UserStore.emailExists(user.email, on: db) { throw IdentityError.emailTaken }
                try await UserStore.insert(user, now: now, on: db)
                try await events.append(UserRegistered(userID: user.id, email: user.email, name: user.name, role: user.role), on: db)
            }
        } catch let error as IdentityError {
            throw error
        } catch {
            // The unique index caught a registration that raced past the check above.
            if try await users.find(email: user.email) != nil { throw IdentityError.emailTaken }
            throw error
        }
        return user
    }

    func login(_ body: LoginPayload, clientAddress: String, logger: Logger) async throws -> AuthResult {
        let email = EmailAddress.normalize(body.email)
        let verdict = try await throttle.check(account: email, address: clientAddress)
        if let seconds = verdict.lockedFor {
            throw IdentityError.loginLockedOut(retryAfterSeconds: seconds)
        }
        // An account under attack answers slowly, never not at all: the owner still gets in.
        if verdict.delay > .zero { try await Task.sleep(for: verdict.delay) }
        guard let user = try await users.find(email: email) else {
            try await hasher.verifyAgainstDummy(body.password)
            try await recordFailure(email: email, clientAddress: clientAddress, logger: logger)
            throw IdentityError.invalidCredentials
        }
        guard try await hasher.verify(body.password, hash: user.passwordHash) else {
            try await recordFailure(email: email, clientAddress: clientAddress, logger: logger)
            throw IdentityError.invalidCredentials
        }
        try await throttle.recordSuccess(account: email, address: clientAddress)
        let tokens = try await platform.database.transaction { db in try await sessions.start(for: user, on: db) }
        return AuthResult(user: user, tokens: tokens)
    }

    private func recordFailure(email: String, clientAddress: String, logger: Logger) async throws {
        let outcome = try await throttle.recordFailure(account: email, address: clientAddress)
        for (locked, action) in [(outcome.lockedPair, "security.login-lockout"), (outcome.lockedAddress, "security.login-address-lockout")]
        where locked {
            logger.warning(
                "client address locked out after repeated failed logins", metadata: ["client": "\(clientAddress)", "action": "\(action)"])
            try await platform.audit.record(
                AuditEntry(
                    at: platform.clock.now(), actorId: nil, actorRole: nil, action: action, target: email, clientAddress: clientAddress))
        }
    }

    func refresh(_ token: String, logger: Logger) async throws -> AuthResult {
        switch try await sessions.refresh(token) {
        case .rotated(let tokens, let user): return AuthResult(user: user, tokens: tokens)
        case .invalid: throw IdentityError.refreshTokenInvalid
        case .reused:
            logger.warning("refresh token reuse detected; session revoked")
            throw IdentityError.refreshTokenReused
        }
    }

    func logout(_ token: String) async throws {
        guard try await sessions.end(refreshToken: token) else { throw IdentityError.refreshTokenInvalid }
    }

    /// Always succeeds from the caller's view, so the answer does not reveal whether an account
    /// exists. The token travels only by mail; only its hash is stored.
    func requestPasswordReset(email: String) async throws {
        guard let user = try await users.find(email: EmailAddress.normalize(email)) else { return }
        let token = Secrets.randomToken()
        let expires = platform.clock.now().addingTimeInterval(passwordResetLifetime)
        let link = "\(publicBaseURL)/reset-password?token=\(token)"
        let message = MailMessage(
            to: user.email, subject: "Reset your Bazaar password",
            body:
                "Hello \(user.name),\n\nUse this link within \(Int(passwordResetLifetime / 60)) minutes to choose a new password:\n\(link)\n\nReset token: \(token)\n\nIf you did not ask for this, ignore this message."
        )
        try await platform.database.transaction { [jobs = platform.jobs] db in
            try await UserStore.addPasswordReset(
                tokenHash: Secrets.sha256(token), userID: user.id, expiresAt: expires.millisecondsSince1970, on: db)
            try await MailJob.enqueue(message, queue: jobs, on: db)
        }
    }

    func confirmPasswordReset(_ body: PasswordResetConfirmPayload) async throws {
        let hash = try await hasher.hash(body.newPassword)
        let now = platform.clock.now().millisecondsSince1970
        try await platform.database.transaction { db in
            guard let userID = try await UserStore.usePasswordReset(tokenHash: Secrets.sha256(body.token), at: now, on: db) else {
                throw IdentityError.resetTokenInvalid
            }
            try await UserStore.setPasswordHash(userID, to: hash, at: now, on: db)
            try await sessions.endAll(userID: userID, reason: "password-reset", on: db)
        }
    }

    func updateProfile(userID: String, _ patch: ProfilePatchPayload) async throws -> UserRecord {
        let now = platform.clock.now()
        return try await platform.database.transaction { [events = platform.events] db in
            guard var user = try await UserStore.find(id: userID, on: db) else { throw IdentityError.userNotFound }
            if let name = patch.name { user.name = name.trimmingCharacters(in: .whitespacesAndNewlines) }
            user.phone = patch.phone.applied(to: user.phone)
            user.address = patch.address.applied(to: user.address)
            try await UserStore.updateProfile(user, at: now.millisecondsSince1970, on: db)
            try await events.append(UserProfileUpdated(userID: user.id, name: user.name, phone: user.phone, address: user.address), on: db)
            return user
        }
    }

    func updatePreferences(userID: String, _ preferences: Preferences) async throws -> Preferences {
        let now = platform.clock.now().millisecondsSince1970
        try await platform.database.transaction { [events = platform.events] db in
            guard try await UserStore.updatePreferences(userID, preferences, at: now, on: db) else { throw IdentityError.userNotFound }
            try await events.append(UserPreferencesUpdated(userID: userID, preferences: preferences), on: db)
        }
        return preferences
    }

    /// Changes a role and ends the user's sessions, so the new role applies to the next token
    /// (a demoted admin cannot keep using an admin token).
    func changeRole(userID: String, to role: Role, by adminID: String) async throws -> UserRecord {
        let now = platform.clock.now().millisecondsSince1970
        return try await platform.database.transaction { [events = platform.events, engine = platform.database.engine] db in
            guard var user = try await UserStore.find(id: userID, on: db) else { throw IdentityError.userNotFound }
            let old = user.role
            guard old != role else { return user }
            if old == .admin {
                guard try await UserStore.lockAdmins(engine: engine, on: db) > 1 else { throw IdentityError.lastAdmin }
            }
            user.role = role
            try await UserStore.setRole(userID, to: role, at: now, on: db)
            try await events.append(UserRoleChanged(userID: userID, oldRole: old, newRole: role, changedBy: adminID), on: db)
            try await sessions.endAll(userID: userID, reason: "role-changed", on: db)
            return user
        }
    }
}
