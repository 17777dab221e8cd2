import Foundation
import PlatformMail
import Testing
import TestSupport

/// The SMTP client against a real server (aiosmtpd).
@Suite("SMTP transport")
struct SMTPTransportTests {
    func transport(_ url: String, peer: SMTPPeer, trust: Bool = true) throws -> SMTPTransport {
        SMTPTransport(
            settings: try SMTPSettings(url: url, from: "shop@bazaar.test", caFile: trust ? peer.certificate : nil), timeout: .seconds(45))
    }

    @Test func plainDeliveryWithDotStuffingAndAnEncodedSubject() async throws {
        let peer = try await SMTPPeer.start()
        defer { peer.stop() }
        let body = "Hello Zoë,\n.this line starts with a dot\n..and this with two\nbye"
        try await transport("smtp://127.0.0.1:\(peer.port)", peer: peer).send(
            MailMessage(to: "zoe@example.com", subject: "Grüße", body: body))
        let mail = try #require(try await peer.awaitDelivered().first)
        #expect(mail.mail_from == "shop@bazaar.test")
        #expect(mail.rcpt_tos == ["zoe@example.com"])
        #expect(!mail.tls)
        #expect(mail.data.contains("Subject: =?utf-8?B?\(Data("Grüße".utf8).base64EncodedString())?=\r\n"))
        #expect(mail.data.hasSuffix("\r\n\r\nHello Zoë,\r\n.this line starts with a dot\r\n..and this with two\r\nbye\r\n"))
    }

    @Test(arguments: ["PLAIN", "LOGIN"])
    func startTLSWithAuthentication(mechanism: String) async throws {
        let peer = try await SMTPPeer.start(starttls: true, auth: "bob:s3cret pass", mechanisms: mechanism)
        defer { peer.stop() }
        try await transport("smtp+starttls://bob:s3cret%20pass@localhost:\(peer.port)", peer: peer)
            .send(MailMessage(to: "amy@example.com", subject: "Hi", body: "Over TLS"))
        let mail = try #require(try await peer.awaitDelivered().first)
        #expect(mail.tls)
        #expect(mail.auth_user == "bob")
    }

    @Test func refusalsAreErrorsThatNameNoSecret() async throws {
        let peer = try await SMTPPeer.start(starttls: true, auth: "bob:right-password")
        defer { peer.stop() }
        let message = MailMessage(to: "amy@example.com", subject: "Hi", body: "x")
        do {
            try await transport("smtp+starttls://bob:wrong-password@localhost:\(peer.port)", peer: peer).send(message)
            Issue.record("a wrong password was accepted")
        } catch {
            #expect("\(error)".contains("AUTH PLAIN"))
            #expect(!"\(error)".contains("wrong-password"))
        }
        // The certificate is self-signed: without trusting its CA the handshake fails.
        await #expect(throws: (any Error).self) {
            try await transport("smtp+starttls://bob:right-password@localhost:\(peer.port)", peer: peer, trust: false).send(message)
        }
        #expect(try peer.delivered.isEmpty)

        // STARTTLS demanded of a server that does not offer it: refused, nothing sent in the clear.
        let plain = try await SMTPPeer.start()
        defer { plain.stop() }
        await #expect(throws: SMTPTransport.Refused.self) {
            try await transport("smtp+starttls://127.0.0.1:\(plain.port)", peer: plain).send(message)
        }
        #expect(try plain.delivered.isEmpty)
    }

    @Test func settingsFromURLs() throws {
        let settings = try SMTPSettings(url: "smtps://mailer:p%40ss@mail.example.com", from: "shop@example.com", caFile: nil)
        #expect(settings.security == .tls)
        #expect(settings.port == 465)
        #expect(settings.username == "mailer")
        #expect(settings.password == "p@ss")
        #expect(try SMTPSettings(url: "smtp+starttls://mail.example.com", from: "a@b.c", caFile: nil).port == 587)
        #expect(try SMTPSettings(url: "smtp://mail.example.com:2525", from: "a@b.c", caFile: nil).port == 2525)
        #expect(throws: SMTPSettings.Invalid.self) { try SMTPSettings(url: "http://mail.example.com", from: "a@b.c", caFile: nil) }
        #expect(throws: SMTPSettings.Invalid.self) { try SMTPSettings(url: "smtp://mail.example.com", from: "nobody", caFile: nil) }
    }
}
