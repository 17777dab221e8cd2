public import Foundation
public import Hummingbird
import Logging
import PlatformCore
import PlatformDatabase
import PlatformHTTP
public import SQLKit

/// One audited happening: an admin's change, or a security event.
public struct AuditEntry: Codable, Sendable, Equatable {
    public var id: Int64?
    public let at: Date
    public let actorId: String?
    public let actorRole: String?
    /// `METHOD /route/{param}` for admin requests, `security.<event>` for security events.
    public let action: String
    public let target: String?
    /// The HTTP status for requests, `recorded` for events.
    public let outcome: String
    public let clientAddress: String?
    public let requestId: String?
    public let detail: String?

    public init(
        at: Date, actorId: String?, actorRole: String?, action: String, target: String?, outcome: String = "recorded",
        clientAddress: String? = nil,
        requestId: String? = nil, detail: String? = nil
    ) {
        self.at = at
        self.actorId = actorId
        self.actorRole = actorRole
        self.action = action
        self.target = target
        self.outcome = outcome
        self.clientAddress = clientAddress
        self.requestId = requestId
        self.detail = detail
    }
}

/// The audit log: data in `audit_log`, queryable by admins (`GET /api/v1/admin/audit`), never
/// holding request bodies or secrets.
public struct AuditLog: Sendable {
    let database: any Database
    let clock: any WallClock

    public init(database: any Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
    }

    /// Records a security event inside the caller's transaction (it commits with the change).
    public func record(
        _ action: String, actor: AuthenticatedUser? = nil, target: String?, detail: String? = nil, on db: any SQLDatabase
    ) async throws {
        try await Self.insert(
            AuditEntry(
                at: clock.now(), actorId: actor?.id, actorRole: actor?.role.rawValue, action: "security.\(action)", target: target,
                detail: detail), on: db)
    }

    public func record(_ entry: AuditEntry) async throws {
        try await database.transaction { db in try await Self.insert(entry, on: db) }
    }

    static func insert(_ entry: AuditEntry, on db: any SQLDatabase) async throws {
        try await db.insert(into: "audit_log")
            .columns("at", "actor_id", "actor_role", "action", "target", "outcome", "client_address", "request_id", "detail")
            .values(
                SQLBind(entry.at.millisecondsSince1970), SQLBind(entry.actorId), SQLBind(entry.actorRole), SQLBind(entry.action),
                SQLBind(entry.target),
                SQLBind(entry.outcome), SQLBind(entry.clientAddress), SQLBind(entry.requestId), SQLBind(entry.detail)
            ).run()
    }

    /// Newest first; `action` matches exactly or, ending in `*`, by prefix.
    public func list(action: String?, actorID: String?, before id: Int64?, limit: Int) async throws -> [AuditEntry] {
        try await database.read { db in
            var select = db.select().column("*").from("audit_log")
            if let action {
                select =
                    action.hasSuffix("*")
                    ? select.where("action", .like, String(action.dropLast()) + "%") : select.where("action", .equal, action)
            }
            if let actorID { select = select.where("actor_id", .equal, actorID) }
            if let id { select = select.where("id", .lessThan, id) }
            return try await select.orderBy("id", .descending).limit(limit).all().map { row in
                var entry = AuditEntry(
                    at: Date(millisecondsSince1970: try row.decode(column: "at", as: Int64.self)),
                    actorId: try row.decode(column: "actor_id", as: String?.self),
                    actorRole: try row.decode(column: "actor_role", as: String?.self),
                    action: try row.decode(column: "action", as: String.self),
                    target: try row.decode(column: "target", as: String?.self), outcome: try row.decode(column: "outcome", as: String.self),
                    clientAddress: try row.decode(column: "client_address", as: String?.self),
                    requestId: try row.decode(column: "request_id", as: String?.self),
                    detail: try row.decode(column: "detail", as: String?.self))
                entry.id = try row.decode(column: "id", as: Int64.self)
                return entry
            }
        }
    }
}

/// Records every changing request made with an admin token (`POST`/`PUT`/`PATCH`/`DELETE`), and
/// every refused attempt on an admin route, after it is answered: who, what route, which object,
/// the status, the address and the request id — never the body.
public struct AuditMiddleware: RouterMiddleware {
    public typealias Context = BazaarRequestContext
    let log: AuditLog

    public init(log: AuditLog) { self.log = log }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let changing = [.post, .put, .patch, .delete].contains(request.method)
        let adminRoute = request.uri.path.hasPrefix("/api/v1/admin")
        guard changing && context.user?.role == .admin || adminRoute else { return try await next(request, context) }
        do {
            let response = try await next(request, context)
            if changing && context.user?.role == .admin { await record(request, context: context, status: response.status) }
            return response
        } catch let error as any HTTPResponseError {
            let refused = error.status == .forbidden || error.status == .unauthorized
            if refused || changing && context.user?.role == .admin { await record(request, context: context, status: error.status) }
            throw error
        }
    }

    private func record(_ request: Request, context: Context, status: HTTPResponse.Status) async {
        let entry = AuditEntry(
            at: log.clock.now(), actorId: context.user?.id, actorRole: context.user?.role.rawValue,
            action: "\(request.method) \(context.endpointPath ?? request.uri.path)", target: request.uri.path, outcome: String(status.code),
            clientAddress: context.clientAddress, requestId: context.logger[metadataKey: "request.id"].map { "\($0)" })
        do {
            try await log.record(entry)
        } catch {
            // The change already happened; losing its audit row must be loud, not fatal.
            context.logger.error("could not write the audit log", metadata: ["action": "\(entry.action)", "error": "\(error)"])
        }
    }
}
