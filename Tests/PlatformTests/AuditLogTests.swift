import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

struct AuditBody: Decodable, Sendable {
    let id: Int
    let actorId: String?
    let action: String
    let target: String?
    let outcome: String
    let clientAddress: String?
    let requestId: String?
}

struct AuditPage: Decodable, Sendable {
    let items: [AuditBody]
    let nextCursor: String?
}

@Suite("Audit log")
struct AuditLogTests {
    @Test(arguments: TestEngine.allCases)
    func adminChangesAndSecurityEventsAreRecorded(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin()
            let user = try await app.register(email: "watched@example.com")
            let product = try await app.request(
                .post, "/api/v1/products", token: admin.accessToken,
                json: #"{"sku":"AUD-1","name":"Lamp","description":"d","price":{"amount":100,"currency":"USD"},"stock":1}"#,
                headers: [.requestID: "audit-req-1", .xForwardedFor: "198.51.100.9"])
            #expect(product.status == .created)
            #expect(
                try await app.request(
                    .put, "/api/v1/admin/users/\(user.user.id)/role", token: admin.accessToken, json: #"{"role":"admin"}"#
                ).status == .ok)
            // A user on an admin route is refused, and that is recorded too.
            let other = try await app.register(email: "curious@example.com")
            #expect(try await app.request(.get, "/api/v1/admin/users", token: other.accessToken).status == .forbidden)
            // Reads by admins are not changes.
            #expect(try await app.request(.get, "/api/v1/admin/users", token: admin.accessToken).status == .ok)

            let page = try await app.request(.get, "/api/v1/admin/audit", token: admin.accessToken).decode(AuditPage.self)
            let created = try #require(page.items.first { $0.action == "POST /api/v1/products" })
            #expect(created.actorId == admin.user.id)
            #expect(created.outcome == "201")
            #expect(created.requestId == "audit-req-1")
            #expect(created.clientAddress == "198.51.100.9")
            let role = try #require(page.items.first { $0.action == "PUT /api/v1/admin/users/{id}/role" })
            #expect(role.target == "/api/v1/admin/users/\(user.user.id)/role")
            let refused = try #require(page.items.first { $0.outcome == "403" })
            #expect(refused.actorId == other.user.id)
            #expect(!page.items.contains { $0.action.hasPrefix("GET ") && $0.outcome == "200" })
            #expect(page.items.contains { $0.action == "security.signing-key-rotated" })

            // Filters and pages.
            let onlyProducts = try await app.request(.get, "/api/v1/admin/audit?action=POST%20/api/v1/products", token: admin.accessToken)
                .decode(AuditPage.self)
            #expect(onlyProducts.items.map(\.action) == ["POST /api/v1/products"])
            let security = try await app.request(.get, "/api/v1/admin/audit?action=security.*", token: admin.accessToken).decode(
                AuditPage.self)
            #expect(security.items.allSatisfy { $0.action.hasPrefix("security.") })
            let first = try await app.request(.get, "/api/v1/admin/audit?limit=1", token: admin.accessToken).decode(AuditPage.self)
            let cursor = try #require(first.nextCursor)
            let second = try await app.request(.get, "/api/v1/admin/audit?limit=1&cursor=\(cursor)", token: admin.accessToken).decode(
                AuditPage.self)
            #expect(second.items.first?.id ?? .max < first.items[0].id)
            for bad in ["?limit=0", "?cursor=abc", "?cursor=-4"] {
                #expect(try await app.request(.get, "/api/v1/admin/audit\(bad)", token: admin.accessToken).status == .badRequest, "\(bad)")
            }
            #expect(try await app.request(.get, "/api/v1/admin/audit", token: other.accessToken).status == .forbidden)
            #expect(try await app.request(.get, "/api/v1/admin/audit").status == .unauthorized)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func lockoutsAndRefreshReuseAreSecurityEvents(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let victim = try await app.register(email: "victim@example.com")
            for _ in 0..<5 {
                _ = try await app.request(.post, "/api/v1/auth/login", json: #"{"email":"victim@example.com","password":"wrong-password"}"#)
            }
            let refreshed = try await app.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(victim.refreshToken)"}"#)
            #expect(refreshed.status == .ok)
            #expect(
                try await app.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(victim.refreshToken)"}"#).status
                    == .unauthorized)

            let admin = try await app.admin().accessToken
            let security = try await app.request(.get, "/api/v1/admin/audit?action=security.*", token: admin).decode(AuditPage.self)
            #expect(security.items.contains { $0.action == "security.login-lockout" && $0.target == "victim@example.com" })
            #expect(security.items.contains { $0.action == "security.refresh-token-reuse" })
        }
    }
}
