import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Platform
import Testing
import TestSupport

@Suite("Profile, preferences and admin routes")
struct ProfileAndAdminTests {
    struct Profile: Decodable {
        struct Address: Decodable { let line1: String; let city: String; let country: String }
        let name: String
        let phone: String?
        let address: Address?
    }

    struct Preferences: Codable, Equatable {
        let orderUpdates: Bool
        let promotions: Bool
        let email: Bool
        let realtime: Bool
    }

    @Test(arguments: TestEngine.allCases)
    func profileUpdatePublishesAnEvent(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "ivy@example.com", name: "Ivy")
            let patched = try await app.request(
                .patch, "/api/v1/users/me", token: session.accessToken,
                json:
                    #"{"name":"Ivy Q","phone":"+1 555 010 0199","address":{"line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"}}"#
            )
            #expect(patched.status == .ok)
            let profile = try patched.decode(Profile.self)
            #expect(profile.name == "Ivy Q")
            #expect(profile.address?.country == "US")

            let cleared = try await app.request(.patch, "/api/v1/users/me", token: session.accessToken, json: #"{"phone":null}"#).decode(
                Profile.self)
            #expect(cleared.phone == nil)
            #expect(cleared.address?.city == "Springfield")

            let events = try await app.bazaar.platform.events.recent(type: "user.profile-updated", limit: 10)
            #expect(events.count == 2)
            #expect(events.allSatisfy { $0.payload.contains(session.user.id) })
        }
    }

    @Test(arguments: TestEngine.allCases)
    func preferencesRoundTrip(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "jay@example.com")
            let initial = try await app.request(.get, "/api/v1/users/me/preferences", token: session.accessToken).decode(Preferences.self)
            #expect(initial == Preferences(orderUpdates: true, promotions: true, email: true, realtime: true))
            let body = #"{"orderUpdates":false,"promotions":true,"email":false,"realtime":true}"#
            #expect(try await app.request(.put, "/api/v1/users/me/preferences", token: session.accessToken, json: body).status == .ok)
            let stored = try await app.request(.get, "/api/v1/users/me/preferences", token: session.accessToken).decode(Preferences.self)
            #expect(stored == Preferences(orderUpdates: false, promotions: true, email: false, realtime: true))
            #expect(try await app.bazaar.platform.events.recent(type: "user.preferences-updated", limit: 5).count == 1)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func protectedRoutesNeedAToken(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/users/me"), (.patch, "/api/v1/users/me"), (.get, "/api/v1/users/me/preferences"),
                (.put, "/api/v1/users/me/preferences"), (.get, "/api/v1/admin/users"),
            ] {
                let response = try await app.request(method, path, json: method == .get ? nil : "{}")
                #expect(response.status == .unauthorized, "\(path)")
                #expect(try response.problem().status == 401)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func usersAreRefusedOnAdminRoutes(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let user = try await app.register(email: "kim@example.com")
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/api/v1/admin/users", nil), (.get, "/api/v1/admin/users/\(user.user.id)", nil),
                (.put, "/api/v1/admin/users/\(user.user.id)/role", #"{"role":"admin"}"#), (.get, "/api/v1/admin/events", nil),
                (.get, "/api/v1/admin/dead-letters", nil), (.post, "/api/v1/admin/dead-letters/1/replay", nil),
                (.get, "/api/v1/admin/mail", nil),
            ]
            for (method, path, body) in routes {
                let response = try await app.request(method, path, token: user.accessToken, json: body)
                #expect(response.status == .forbidden, "\(path)")
            }
            let me = try await app.request(.get, "/api/v1/users/me", token: user.accessToken).decode(Session.User.self)
            #expect(me.role == "user")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func adminListsUsersWithCursorsAndChangesRoles(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin()
            var created: [Session] = []
            for index in 0..<5 { created.append(try await app.register(email: "user\(index)@example.com")) }

            struct Page: Decodable { let items: [Session.User]; let nextCursor: String? }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let query = cursor.map { "&cursor=\($0)" } ?? ""
                let page = try await app.request(.get, "/api/v1/admin/users?limit=2\(query)", token: admin.accessToken).decode(Page.self)
                #expect(page.items.count <= 2)
                seen += page.items.map(\.email)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen.count == 6)
            #expect(Set(seen).count == 6)

            let target = created[0]
            let fetched = try await app.request(.get, "/api/v1/admin/users/\(target.user.id)", token: admin.accessToken)
            #expect(try fetched.decode(Session.User.self).email == "user0@example.com")
            #expect(try await app.request(.get, "/api/v1/admin/users/no-such-id", token: admin.accessToken).status == .notFound)

            let bad = try await app.request(
                .put, "/api/v1/admin/users/\(target.user.id)/role", token: admin.accessToken, json: #"{"role":"root"}"#)
            #expect(bad.status == .unprocessableContent)
            let promoted = try await app.request(
                .put, "/api/v1/admin/users/\(target.user.id)/role", token: admin.accessToken, json: #"{"role":"admin"}"#)
            #expect(try promoted.decode(Session.User.self).role == "admin")
            #expect(
                try await app.request(.put, "/api/v1/admin/users/missing/role", token: admin.accessToken, json: #"{"role":"admin"}"#).status
                    == .notFound)

            // The role change ends the user's sessions; a fresh login carries the new role.
            #expect(try await app.request(.get, "/api/v1/users/me", token: target.accessToken).status == .unauthorized)
            let relogin = try await app.login(email: "user0@example.com", password: "password-123")
            #expect(try await app.request(.get, "/api/v1/admin/users", token: relogin.accessToken).status == .ok)
            let events = try await app.bazaar.platform.events.recent(type: "user.role-changed", limit: 5)
            #expect(events.count == 1)
        }
    }

    /// Details the OpenAPI document promises: a name can be changed, never nulled; every list has
    /// `nextCursor` (null on the last page); an empty `cursor` is the first page.
    @Test(arguments: TestEngine.allCases)
    func listsAndPatchesKeepToTheContract(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let user = try await app.register(email: "contract@example.com", name: "Connie")
            let nulled = try await app.request(.patch, "/api/v1/users/me", token: user.accessToken, json: #"{"name": null}"#)
            #expect(nulled.status == .unprocessableContent)
            #expect(try nulled.problem().fields.contains("name"))
            #expect(try await app.request(.get, "/api/v1/users/me", token: user.accessToken).decode(Session.User.self).name == "Connie")
            // Unknown keys are refused inside nested objects and lists too, and null only clears what may be cleared.
            let address = #"{"line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US","floor":3}"#
            let nested = try await app.request(.patch, "/api/v1/users/me", token: user.accessToken, json: #"{"address": \#(address)}"#)
            #expect(nested.status == .unprocessableContent)
            #expect(try nested.problem().fields == ["address.floor"])
            #expect(
                try await app.request(.patch, "/api/v1/users/me", token: user.accessToken, json: #"{"phone": null, "address": null}"#)
                    .status == .ok)
            for (body, field) in [
                (#"{"items":[{"productId":"p","quantity":1,"color":"red"}],"paymentMethod":"onDelivery"}"#, "items[0].color"),
                (#"{"items":[{"productId":"p","quantity":1}],"fromCart":null,"paymentMethod":"onDelivery"}"#, "fromCart"),
            ] {
                let refused = try await app.placeOrder(token: user.accessToken, json: body)
                #expect(refused.status == .unprocessableContent, "\(body)")
                #expect(try refused.problem().fields == [field], "\(body)")
            }
            #expect(try await app.request(.get, "/api/v1/products?ids=a&limit=lots").status == .badRequest)
            let extensions = try await app.request(.post, "/graphql", json: #"{"query":"{ me { id } }","extensions":[1]}"#)
            #expect(extensions.status == .unprocessableContent)
            #expect(try extensions.problem().fields == ["extensions"])

            let admin = try await app.admin().accessToken
            for (path, token) in [
                ("/api/v1/admin/users?cursor=", admin), ("/api/v1/products?cursor=", nil),
                ("/api/v1/notifications?cursor=", user.accessToken),
                ("/api/v1/orders?cursor=", user.accessToken), ("/api/v1/admin/audit?cursor=", admin),
            ] {
                let page = try await app.request(.get, path, token: token)
                #expect(page.status == .ok, "\(path)")
                #expect(page.text.contains(#""nextCursor":null"#), "\(path): \(page.text.prefix(200))")
            }

            // A known path with a method it does not have: 405 naming the allowed ones, as a problem.
            for (method, path, allowed) in [
                (HTTPRequest.Method.delete, "/api/v1/products", "GET, POST"), (.put, "/api/v1/users/me", "GET, PATCH"),
                (.post, "/health/live", "GET"),
            ] {
                let refused = try await app.request(method, path, token: user.accessToken)
                #expect(refused.status == .methodNotAllowed, "\(method) \(path)")
                #expect(refused.headers[.allow] == allowed, "\(method) \(path)")
                #expect(refused.headers[.contentType] == "application/problem+json")
            }
            #expect(try await app.request(.get, "/api/v1/no-such-thing", token: user.accessToken).status == .notFound)
        }
    }

    /// The only admin cannot demote itself (nobody could administer the shop, and restarting
    /// with `BAZAAR_ADMIN_EMAIL` does not make one); with a second admin, one may step down.
    @Test(arguments: TestEngine.allCases)
    func theLastAdminKeepsTheRole(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin()
            let own = try await app.request(
                .put, "/api/v1/admin/users/\(admin.user.id)/role", token: admin.accessToken, json: #"{"role":"user"}"#)
            #expect(own.status == .conflict)
            #expect(own.headers[.contentType] == "application/problem+json")
            #expect(try own.problem().detail?.contains("last admin") == true)
            // Nothing changed: the token still works on admin routes, no event was written.
            #expect(try await app.request(.get, "/api/v1/admin/users", token: admin.accessToken).status == .ok)
            #expect(try await app.bazaar.platform.events.recent(type: "user.role-changed", limit: 5).isEmpty)

            // Two admins demoting each other at the same moment: exactly one succeeds.
            let second = try await app.register(email: "second-admin@example.com")
            #expect(
                try await app.request(
                    .put, "/api/v1/admin/users/\(second.user.id)/role", token: admin.accessToken, json: #"{"role":"admin"}"#
                ).status == .ok)
            let secondAdmin = try await app.login(email: "second-admin@example.com", password: "password-123")
            async let first = app.request(
                .put, "/api/v1/admin/users/\(secondAdmin.user.id)/role", token: admin.accessToken, json: #"{"role":"user"}"#)
            async let other = app.request(
                .put, "/api/v1/admin/users/\(admin.user.id)/role", token: secondAdmin.accessToken, json: #"{"role":"user"}"#)
            let statuses = [try await first.status, try await other.status]
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .conflict || $0 == .unauthorized }.count == 1, "\(statuses)")
            let admins = try await app.bazaar.platform.database.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM users WHERE role = 'admin'").first()!.decode(column: "n", as: Int.self)
            }
            #expect(admins == 1)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func registrationPublishesUserRegistered(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "leo@example.com")
            let admin = try await app.admin()
            let events = try await app.request(.get, "/api/v1/admin/events?type=user.registered", token: admin.accessToken)
            #expect(events.status == .ok)
            #expect(events.text.contains(session.user.id))
            #expect(!events.text.contains("password"))
        }
    }
}
