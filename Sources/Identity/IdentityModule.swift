import Contracts
import Foundation
public import Hummingbird
import Logging
public import Platform
import PlatformAuth
public import PlatformDatabase
public import PlatformHTTP

/// Identity: users, credentials, sessions, roles, profile, preferences, password reset, keys.
public struct IdentityModule: BazaarModule {
    public static let name = "identity"

    public struct Settings: Sendable {
        public var accessTokenLifetime: TimeInterval = 15 * 60
        public var refreshTokenLifetime: TimeInterval = 30 * 86_400
        public var passwordResetLifetime: TimeInterval = 30 * 60
        /// bcrypt's work factor; 12 unless a test lowers it to keep the suite fast.
        public var bcryptCost: UInt8 = 12
        public var adminEmail = "admin@bazaar.local"
        public var adminPassword: String?
        public var publicBaseURL = "http://127.0.0.1:8080"
        public var accountLockoutFailures = 5
        public var addressLockoutFailures = 20

        public init() {}
    }

    let platform: PlatformContext
    let settings: Settings
    let keys: SigningKeys
    let service: IdentityService

    public init(platform: PlatformContext, settings: Settings) {
        self.platform = platform
        self.settings = settings
        keys = SigningKeys(platform: platform)
        let sessions = Sessions(
            platform: platform, keys: keys, accessTokenLifetime: settings.accessTokenLifetime,
            refreshTokenLifetime: settings.refreshTokenLifetime)
        var policy = LoginThrottle.Policy()
        policy.accountFailures = settings.accountLockoutFailures
        policy.addressFailures = settings.addressLockoutFailures
        service = IdentityService(
            platform: platform, users: UserStore(database: platform.database), sessions: sessions,
            hasher: PasswordHasher(cost: settings.bcryptCost),
            throttle: LoginThrottle(database: platform.database, clock: platform.clock, policy: policy),
            passwordResetLifetime: settings.passwordResetLifetime, publicBaseURL: settings.publicBaseURL)
    }

    var browser: BrowserSession {
        BrowserSession(publicBaseURL: settings.publicBaseURL, refreshTokenLifetime: settings.refreshTokenLifetime)
    }

    public var migrations: ModuleMigrations { IdentityMigrations.all }

    public func addRoutes(to groups: RouteGroups) {
        let routes = IdentityRoutes(service: service, keys: keys, browser: browser)
        routes.addPublic(to: groups.api)
        routes.addAuthenticated(to: groups.authenticated)
        routes.addAdmin(to: groups.admin)
    }

    public func addRootRoutes(to router: Router<BazaarRequestContext>) {
        IdentityRoutes(service: service, keys: keys, browser: browser).addWellKnown(to: router)
    }

    public func prepare() async throws {
        try await keys.prepare()
        try await ensureDefaultAdmin()
    }

    /// The seed admin. Without a configured password a strong one is generated and printed once
    /// to the console; only its bcrypt hash is stored.
    private func ensureDefaultAdmin() async throws {
        let email = EmailAddress.normalize(settings.adminEmail)
        if try await service.users.find(email: email) != nil { return }
        let password = settings.adminPassword ?? Secrets.randomToken(bytes: 18)
        do {
            _ = try await service.createUser(
                email: email, passwordHash: try await service.hasher.hash(password), name: "Administrator", role: .admin)
        } catch IdentityError.emailTaken {
            return  // another process created it first
        }
        if settings.adminPassword == nil {
            FileHandle.standardError.write(Data("\nDefault admin created: \(email)\nGenerated password (shown once): \(password)\n\n".utf8))
        }
    }

    /// Operator commands (`bazaar admin ...`).
    public func createAdmin(email: String, password: String) async throws {
        if let error = PasswordRules.validate(password, field: "password") { throw AdminCommandError("password \(error.message)") }
        if let error = Validate.email(email) { throw AdminCommandError("email \(error.message)") }
        _ = try await service.createUser(
            email: email, passwordHash: try await service.hasher.hash(password), name: "Administrator", role: .admin)
    }

    public func promote(email: String) async throws {
        guard let user = try await service.users.find(email: EmailAddress.normalize(email)) else {
            throw AdminCommandError("no user with email \(email)")
        }
        _ = try await service.changeRole(userID: user.id, to: .admin, by: "cli")
    }

    public func rotateKeys() async throws -> String {
        try await keys.rotate()
    }
}

public struct AdminCommandError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
