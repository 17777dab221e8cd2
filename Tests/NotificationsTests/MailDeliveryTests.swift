import BazaarServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformMail
import SQLKit
import Testing
import TestSupport

/// Mail through the job queue to a real SMTP server (aiosmtpd).
@Suite("Mail over SMTP")
struct MailDeliveryTests {
    static func smtp(_ peer: SMTPPeer) -> @Sendable (inout BazaarSettings) -> Void {
        { settings in
            settings.smtp = SMTPSettings(host: "127.0.0.1", port: peer.port, security: .none, from: "shop@bazaar.test")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func welcomeConfirmationAndResetReachTheServer(engine: TestEngine) async throws {
        let peer = try await SMTPPeer.start()
        defer { peer.stop() }
        try await TestBazaar.run(engine, configure: Self.smtp(peer)) { app in
            let admin = try await app.admin().accessToken
            let product = try await app.createProduct(admin: admin, sku: "MAIL-1")
            let user = try await app.register(email: "mailme@example.com", name: "Mara")
            let order = try await app.placeOrder(token: user.accessToken, items: [(product.id, 1)])
            #expect(try await app.settled(order.id, token: user.accessToken).status == "confirmed")
            #expect(
                try await app.request(.post, "/api/v1/auth/password-reset", json: #"{"email":"mailme@example.com"}"#).status == .accepted)

            let wanted = ["Welcome to Bazaar", "Your Bazaar order is confirmed"]
            let mail = try await poll("three mails to mailme@") {
                let mine = try peer.delivered.filter { $0.rcpt_tos == ["mailme@example.com"] }
                return mine.count >= 3 ? mine : nil
            }
            for subject in wanted { #expect(mail.contains { $0.data.contains("Subject: \(subject)\r\n") }, "\(subject)") }
            #expect(mail.contains { $0.data.contains("Reset token: ") })
            #expect(mail.allSatisfy { $0.mail_from == "shop@bazaar.test" })
            // With SMTP configured, nothing goes to the stored mail log.
            #expect(try await app.mail(to: "mailme@example.com", admin: admin).isEmpty)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func refusedMailIsRetriedThenDelivered(engine: TestEngine) async throws {
        let peer = try await SMTPPeer.start(refuse: 2)
        defer { peer.stop() }
        try await TestBazaar.run(engine, configure: Self.smtp(peer)) { app in
            _ = try await app.register(email: "retry@example.com")
            // Each refusal schedules a retry with backoff on the test's clock; move it along.
            let mail = try await poll("the mail after two refusals", timeout: .seconds(30)) {
                app.clock.advance(by: 5)
                return try peer.delivered.first { $0.rcpt_tos == ["retry@example.com"] }
            }
            #expect(mail.data.contains("Subject: Welcome to Bazaar"))
            #expect(peer.refusals >= 2)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func mailThatKeepsFailingIsDeadLetteredWithoutItsBody(engine: TestEngine) async throws {
        let peer = try await SMTPPeer.start(refuse: -1)
        defer { peer.stop() }
        try await TestBazaar.run(engine, configure: Self.smtp(peer)) { app in
            _ = try await app.register(email: "never@example.com")
            struct Letter: Decodable {
                let id: Int; let source: String; let eventType: String; let payload: String; let error: String; let attempts: Int
            }
            struct Letters: Decodable { let items: [Letter] }
            let letter = try await poll("the mail job in the dead letters", timeout: .seconds(60)) {
                // Toward the longest backoff (and, soon, the token's lifetime), under the 300 s lease and only between attempts:
                // jumping past the 300 s lease while an attempt runs would let a second claim count one more.
                let running = try await app.bazaar.platform.database.read { db in
                    try await db.raw("SELECT COUNT(*) AS n FROM jobs WHERE status = 'running'").first()?.decode(column: "n", as: Int.self)
                        ?? 0
                }
                if running == 0 { app.clock.advance(by: 299) }
                return try await app.request(.get, "/api/v1/admin/dead-letters", token: try await app.admin().accessToken).decode(
                    Letters.self
                ).items
                    .first { $0.source == "job" && $0.payload.contains("never@example.com") }
            }
            #expect(letter.eventType == "mail.send")
            #expect(letter.attempts == 8)
            #expect(letter.error.contains("451"))
            #expect(!letter.payload.contains("account is ready"))
            #expect(try peer.delivered.isEmpty)

            // Replay puts the job back in the queue with fresh attempts and takes it off the list.
            let admin = try await app.admin().accessToken
            #expect(try await app.request(.post, "/api/v1/admin/dead-letters/\(letter.id)/replay", token: admin).status == .noContent)
            #expect(
                try await app.request(.get, "/api/v1/admin/dead-letters", token: admin).decode(Letters.self).items.allSatisfy {
                    $0.id != letter.id
                })
        }
    }
}
