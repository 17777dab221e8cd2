public import Foundation
public import Hummingbird
import PlatformCore
import PlatformDatabase
import PlatformHTTP
import SQLKit
import Synchronization

/// What an API key may do: `read` is an admin's view without changes (GET and HEAD only);
/// `admin` is everything an admin may do.
public enum APIKeyScope: String, Codable, Sendable, CaseIterable {
    case read, admin
}

public struct APIKeyView: ResponseEncodable, Codable, Sendable {
    public let id: String
    public let name: String
    public let scope: APIKeyScope
    public let createdBy: String
    public let createdAt: Date
    public let revokedAt: Date?
    /// The whole key, present only in the answer that creates it.
    public let key: String?
}

struct CreateAPIKeyPayload: RequestPayload {
    static let allowedFields: Set<String> = ["name", "scope"]
    let name: String
    let scope: APIKeyScope

    func validate() -> [FieldError] { [Validate.length(name, field: "name", max: 200)].compactMap { $0 } }
}

/// API keys for automation (`X-API-Key: bzk_<id>_<secret>`), kept in a platform table so every
/// process can verify them. A verified key is remembered for a few seconds; revoking it in this
/// process forgets it at once, other processes within `cacheLifetime`.
public final class APIKeys: Sendable {
    let database: any Database
    let clock: any WallClock
    let audit: AuditLog
    let cacheLifetime: TimeInterval
    private let verified = Mutex<[String: (user: AuthenticatedUser, scope: APIKeyScope, until: Date)]>([:])

    public init(database: any Database, clock: any WallClock, cacheLifetime: TimeInterval = 10) {
        self.database = database
        self.clock = clock
        self.audit = AuditLog(database: database, clock: clock)
        self.cacheLifetime = cacheLifetime
    }

    /// The key's principal (its creator, as an admin) and scope; nil for anything not a live key.
    public func verify(_ key: String) async throws -> (user: AuthenticatedUser, scope: APIKeyScope)? {
        let parts = key.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "bzk", parts[1].count == 16, parts[2].count >= 32 else { return nil }
        let id = String(parts[1])
        let now = clock.now()
        let hash = Secrets.sha256(key)
        if let hit = verified.withLock({ $0[hash] }), hit.until > now { return (hit.user, hit.scope) }
        guard
            let row = try await database.read({ db in
                try await db.select().columns("secret_hash", "scope", "created_by", "revoked_at").from("api_keys").where("id", .equal, id)
                    .first()
            })
        else { return nil }
        guard try row.decode(column: "revoked_at", as: Int64?.self) == nil,
            Secrets.constantTimeEqual(try row.decode(column: "secret_hash", as: String.self), hash),
            let scope = APIKeyScope(rawValue: try row.decode(column: "scope", as: String.self))
        else { return nil }
        let user = AuthenticatedUser(id: try row.decode(column: "created_by", as: String.self), role: .admin, sessionID: "api-key:\(id)")
        verified.withLock { $0[hash] = (user, scope, now.addingTimeInterval(cacheLifetime)) }
        return (user, scope)
    }

    func create(_ payload: CreateAPIKeyPayload, by admin: AuthenticatedUser) async throws -> APIKeyView {
        let id = String(Secrets.sha256(Secrets.randomToken()).prefix(16))
        let key = "bzk_\(id)_\(Secrets.randomToken())"
        let now = clock.now()
        try await database.transaction { [audit] db in
            try await db.insert(into: "api_keys").columns("id", "name", "scope", "secret_hash", "created_by", "created_at").values(
                SQLBind(id), SQLBind(payload.name), SQLBind(payload.scope.rawValue), SQLBind(Secrets.sha256(key)), SQLBind(admin.id),
                SQLBind(now.millisecondsSince1970)
            ).run()
            try await audit.record("api-key-created", actor: admin, target: id, detail: "scope \(payload.scope.rawValue)", on: db)
        }
        return APIKeyView(id: id, name: payload.name, scope: payload.scope, createdBy: admin.id, createdAt: now, revokedAt: nil, key: key)
    }

    func list() async throws -> [APIKeyView] {
        try await database.read { db in
            try await db.select().columns("id", "name", "scope", "created_by", "created_at", "revoked_at").from("api_keys")
                .orderBy("created_at", .descending).orderBy("id").limit(1000).all().map { row in
                    APIKeyView(
                        id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                        scope: APIKeyScope(rawValue: try row.decode(column: "scope", as: String.self)) ?? .read,
                        createdBy: try row.decode(column: "created_by", as: String.self),
                        createdAt: Date(millisecondsSince1970: try row.decode(column: "created_at", as: Int64.self)),
                        revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Date.init(millisecondsSince1970:)), key: nil)
                }
        }
    }

    /// Revokes a key (again is fine); false when there is no such key.
    func revoke(id: String, by admin: AuthenticatedUser) async throws -> Bool {
        let now = clock.now().millisecondsSince1970
        let found = try await database.transaction { [audit] db -> Bool in
            guard try await db.select().column("id").from("api_keys").where("id", .equal, id).first() != nil else { return false }
            try await db.raw("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, \(bind: now)) WHERE id = \(bind: id)").run()
            try await audit.record("api-key-revoked", actor: admin, target: id, on: db)
            return true
        }
        verified.withLock { $0 = $0.filter { $0.value.user.sessionID != "api-key:\(id)" } }
        return found
    }

    public func addRoutes(to admin: RouterGroup<AdminContext>) {
        admin.post("api-keys") { request, context -> EditedResponse<APIKeyView> in
            let payload = try await request.decodeBody(CreateAPIKeyPayload.self, context: context)
            return EditedResponse(status: .created, response: try await self.create(payload, by: context.user))
        }
        admin.get("api-keys") { _, _ -> ListResponse<APIKeyView> in
            ListResponse(items: try await self.list(), nextCursor: nil)
        }
        admin.delete("api-keys/{id}") { _, context -> HTTPResponse.Status in
            guard try await self.revoke(id: context.parameters.get("id") ?? "", by: context.user) else { throw Problem.notFound("API key") }
            return .noContent
        }
    }
}
