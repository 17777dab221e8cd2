import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Notification inbox")
struct InboxTests {
    @Test(arguments: TestEngine.allCases)
    func welcomeAdminPostsReadAndReadAll(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let user = try await app.register(email: "ivy@example.com")
            let welcome = try await app.awaitNotification(user.accessToken, kind: "welcome")
            #expect(welcome.userId == user.user.id)
            #expect(welcome.readAt == nil)
            let mails = try await poll("the welcome mail") { try await app.mail(to: "ivy@example.com", admin: admin).nilIfEmpty }
            #expect(mails.map(\.subject) == ["Welcome to Bazaar"])

            let first = try await app.postNotification(admin: admin, to: user.user.id, title: "First")
            let second = try await app.postNotification(admin: admin, to: user.user.id, title: "Second")
            #expect(first.kind == "admin")
            var inbox = try await app.inbox(user.accessToken)
            #expect(inbox.items.map(\.title) == ["Second", "First", welcome.title])
            #expect(inbox.unreadCount == 3)

            let read = try await app.request(.post, "/api/v1/notifications/\(first.id)/read", token: user.accessToken)
            #expect(read.status == .ok)
            #expect(try read.decode(NotificationBody.self).readAt != nil)
            inbox = try await app.inbox(user.accessToken, query: "?unread=true")
            #expect(inbox.items.map(\.id) == [second.id, welcome.id])
            #expect(inbox.unreadCount == 2)

            // Paging: one at a time, newest first, through the cursor.
            let page1 = try await app.inbox(user.accessToken, query: "?limit=2")
            #expect(page1.items.map(\.id) == [second.id, first.id])
            let cursor = try #require(page1.nextCursor)
            let page2 = try await app.inbox(user.accessToken, query: "?limit=2&cursor=\(cursor)")
            #expect(page2.items.map(\.id) == [welcome.id])
            #expect(page2.nextCursor == nil)

            struct Updated: Decodable { let updated: Int }
            #expect(
                try await app.request(.post, "/api/v1/notifications/read-all", token: user.accessToken).decode(Updated.self).updated == 2)
            #expect(
                try await app.request(.post, "/api/v1/notifications/read-all", token: user.accessToken).decode(Updated.self).updated == 0)
            #expect(try await app.inbox(user.accessToken, query: "?unread=true").items.isEmpty)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func othersNotificationsAndAdminRoutesAreClosed(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let owner = try await app.knownUser("own@example.com")
            let other = try await app.knownUser("other@example.com")
            let mine = try await app.postNotification(admin: admin, to: owner.user.id)

            // Another user's notification is not found, and stays unread.
            #expect(try await app.request(.post, "/api/v1/notifications/\(mine.id)/read", token: other.accessToken).status == .notFound)
            #expect(try await app.request(.post, "/api/v1/notifications/no-such-id/read", token: owner.accessToken).status == .notFound)
            #expect(try await app.inbox(other.accessToken).items.allSatisfy { $0.userId == other.user.id })
            #expect(try await app.inbox(owner.accessToken, query: "?unread=true").items.contains { $0.id == mine.id })

            // Users on admin routes, and anonymous callers.
            let json = #"{"userId":"\#(other.user.id)","title":"x","body":"y"}"#
            #expect(try await app.request(.post, "/api/v1/admin/notifications", token: owner.accessToken, json: json).status == .forbidden)
            #expect(try await app.request(.get, "/api/v1/admin/campaigns", token: owner.accessToken).status == .forbidden)
            #expect(try await app.request(.delete, "/api/v1/admin/campaigns/x", token: owner.accessToken).status == .forbidden)
            #expect(try await app.request(.get, "/api/v1/notifications").status == .unauthorized)
            #expect(try await app.request(.post, "/api/v1/notifications/read-all").status == .unauthorized)
            #expect(try await app.inbox(other.accessToken).items.count == 1)  // just the welcome
        }
    }

    @Test(arguments: TestEngine.allCases)
    func badInputIsRefusedAndNothingIsWritten(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let user = try await app.knownUser("bad@example.com")
            let id = user.user.id
            let cases: [(String, Int, [String])] = [
                ("{", 400, []),
                (#"{"userId":"\#(id)","title":"x"}"#, 422, ["body"]),
                (#"{"userId":"\#(id)","title":5,"body":"y"}"#, 422, ["title"]),
                (#"{"userId":"\#(id)","title":"","body":"y"}"#, 422, ["title"]),
                (#"{"userId":"\#(id)","title":"x","body":"y","urgent":true}"#, 422, ["urgent"]),
                (#"{"userId":"\#(id)","title":"\#(String(repeating: "t", count: 201))","body":"y"}"#, 422, ["title"]),
            ]
            for (json, status, fields) in cases {
                let response = try await app.request(.post, "/api/v1/admin/notifications", token: admin, json: json)
                #expect(response.status.code == status, "\(json)")
                #expect(response.headers[.contentType] == "application/problem+json")
                if !fields.isEmpty { #expect(try response.decode(ProblemReply.self).fields == fields, "\(json)") }
            }
            let huge = #"{"userId":"\#(id)","title":"x","body":"\#(String(repeating: "b", count: 2_000_000))"}"#
            #expect(try await app.request(.post, "/api/v1/admin/notifications", token: admin, json: huge).status == .contentTooLarge)
            let unknownUser = try await app.request(
                .post, "/api/v1/admin/notifications", token: admin, json: #"{"userId":"nobody","title":"x","body":"y"}"#)
            #expect(unknownUser.status == .notFound)
            #expect(try await app.inbox(user.accessToken).items.map(\.kind) == ["welcome"])

            for query in ["?unread=yes", "?limit=0", "?limit=101", "?cursor=%%%"] {
                let response = try await app.request(.get, "/api/v1/notifications\(query)", token: user.accessToken)
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }
}

extension Array {
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}
