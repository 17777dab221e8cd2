import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Password reset")
struct PasswordResetTests {
    struct MailList: Decodable {
        struct Mail: Decodable { let to: String; let subject: String; let body: String }
        let items: [Mail]
    }

    func mailedToken(in app: TestBazaar, for email: String) async throws -> String? {
        let admin = try await app.admin()
        let mail = try await app.request(.get, "/api/v1/admin/mail?to=\(email)", token: admin.accessToken).decode(MailList.self)
        // Newest first; other mail (the welcome) may come before or after the reset.
        guard let body = mail.items.first(where: { $0.body.contains("Reset token: ") })?.body, let range = body.range(of: "Reset token: ")
        else { return nil }
        return String(body[range.upperBound...].prefix { !$0.isWhitespace })
    }

    @Test(arguments: TestEngine.allCases)
    func resetByMailEndsEverySession(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "mia@example.com")
            let unknown = try await app.request(.post, "/api/v1/auth/password-reset", json: #"{"email":"nobody@example.com"}"#)
            #expect(unknown.status == .accepted)
            let known = try await app.request(.post, "/api/v1/auth/password-reset", json: #"{"email":"MIA@example.com"}"#)
            #expect(known.status == .accepted)

            let resetToken = try await poll("the reset mail") { try await mailedToken(in: app, for: "mia@example.com") }
            #expect(try await mailedToken(in: app, for: "nobody@example.com") == nil)

            let confirm = #"{"token":"\#(resetToken)","newPassword":"brand-new-pass"}"#
            #expect(try await app.request(.post, "/api/v1/auth/password-reset/confirm", json: confirm).status == .noContent)
            #expect(try await app.request(.get, "/api/v1/users/me", token: session.accessToken).status == .unauthorized)
            #expect(
                try await app.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#).status
                    == .unauthorized)
            _ = try await app.login(email: "mia@example.com", password: "brand-new-pass")

            let reused = try await app.request(.post, "/api/v1/auth/password-reset/confirm", json: confirm)
            #expect(reused.status == .badRequest)
            #expect(try reused.problem().fields == ["token"])
        }
    }

    @Test(arguments: TestEngine.allCases)
    func expiredResetTokensAreRefused(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            _ = try await app.register(email: "ned@example.com")
            _ = try await app.request(.post, "/api/v1/auth/password-reset", json: #"{"email":"ned@example.com"}"#)
            let token = try await poll("the reset mail") { try await mailedToken(in: app, for: "ned@example.com") }
            app.clock.advance(by: 31 * 60)
            let late = try await app.request(
                .post, "/api/v1/auth/password-reset/confirm", json: #"{"token":"\#(token)","newPassword":"brand-new-pass"}"#)
            #expect(late.status == .badRequest)
            _ = try await app.login(email: "ned@example.com", password: "password-123")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func weakNewPasswordIsRefused(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let response = try await app.request(
                .post, "/api/v1/auth/password-reset/confirm", json: #"{"token":"abc","newPassword":"short"}"#)
            #expect(response.status == .unprocessableContent)
            #expect(try response.problem().fields == ["newPassword"])
        }
    }
}
