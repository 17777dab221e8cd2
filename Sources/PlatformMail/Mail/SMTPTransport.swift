import Foundation
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import Synchronization

/// Where and how to send mail over SMTP, from one URL:
/// `smtp://[user:password@]host[:25]` (plain), `smtp+starttls://…[:587]` (upgrade with
/// STARTTLS, required), `smtps://…[:465]` (TLS from the first byte).
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: String, Sendable { case none, startTLS, tls }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The envelope sender and `From:` header.
    public var from: String
    /// A PEM file of extra certificate authorities to trust (a private relay's CA).
    public var caFile: String?

    public init(
        host: String, port: Int, security: Security, username: String? = nil, password: String? = nil, from: String, caFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.from = from
        self.caFile = caFile
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(url text: String, from: String, caFile: String?) throws {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw Invalid(description: "expected smtp://, smtp+starttls:// or smtps://[user:password@]host[:port]")
        }
        let security: Security
        let defaultPort: Int
        switch scheme {
        case "smtp": (security, defaultPort) = (.none, 25)
        case "smtp+starttls": (security, defaultPort) = (.startTLS, 587)
        case "smtps": (security, defaultPort) = (.tls, 465)
        default: throw Invalid(description: "unknown scheme '\(scheme)'; use smtp, smtp+starttls or smtps")
        }
        guard from.contains("@") else { throw Invalid(description: "a sender address (BAZAAR_SMTP_FROM) is required") }
        self.init(
            host: host, port: url.port ?? defaultPort, security: security, username: url.percentEncodedUser?.removingPercentEncoding,
            password: url.percentEncodedPassword?.removingPercentEncoding, from: from, caFile: caFile)
    }
}

/// Sends each message over its own SMTP connection: EHLO, STARTTLS when configured, AUTH
/// PLAIN or LOGIN (whichever the server offers, PLAIN first), MAIL/RCPT/DATA, QUIT. Any
/// refusal throws, and the mail job retries with backoff.
public struct SMTPTransport: MailTransport {
    let settings: SMTPSettings
    let timeout: Duration

    public init(settings: SMTPSettings, timeout: Duration = .seconds(30)) {
        self.settings = settings
        self.timeout = timeout
    }

    public struct Refused: Error, CustomStringConvertible {
        public let command: String
        public let reply: SMTPReply
        public var description: String { "SMTP server refused \(command): \(reply.code) \(reply.lines.joined(separator: " "))" }
    }

    public func send(_ message: MailMessage) async throws {
        let tls = try settings.security == .none ? nil : NIOSSLContext(configuration: tlsConfiguration())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { [settings] channel in
                channel.eventLoop.makeCompletedFuture {
                    if settings.security == .tls, let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(settings.host)))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        // A silent server must not hold a mail worker: closing the channel ends every wait.
        let timedOut = OnceFlag()
        let watchdog = Task { [timeout] in
            try await Task.sleep(for: timeout)
            timedOut.set()
            try? await channel.channel.close()
        }
        defer { watchdog.cancel() }
        do {
            try await channel.executeThenClose { inbound, outbound in
                var session = SMTPSession(lines: inbound.makeAsyncIterator(), outbound: outbound)
                try await session.expect(220, after: "connect")
                var capabilities = try await session.command("EHLO \(Self.clientName)", expect: 250).lines
                if settings.security == .startTLS {
                    guard capabilities.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                        throw Refused(command: "STARTTLS", reply: SMTPReply(code: 0, lines: ["the server does not offer STARTTLS"]))
                    }
                    try await session.command("STARTTLS", expect: 220)
                    // Made and added on the channel's event loop: the TLS handler is not Sendable.
                    let (context, serverName, pipe) = (tls!, Self.sniName(settings.host), channel.channel)
                    try await pipe.eventLoop.submit {
                        try pipe.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: context, serverHostname: serverName), position: .first)
                    }.get()
                    capabilities = try await session.command("EHLO \(Self.clientName)", expect: 250).lines
                }
                if let username = settings.username, let password = settings.password {
                    try await session.authenticate(username: username, password: password, capabilities: capabilities)
                }
                try await session.command("MAIL FROM:<\(settings.from)>", expect: 250)
                try await session.command("RCPT TO:<\(message.to)>", expect: 250, 251)
                try await session.command("DATA", expect: 354)
                try await session.command(Self.render(message, from: settings.from), expect: 250, name: "message data")
                _ = try? await session.command("QUIT", expect: 221)
            }
        } catch {
            if timedOut.isSet { throw Refused(command: "send", reply: SMTPReply(code: 0, lines: ["no answer within \(timeout)"])) }
            throw error
        }
    }

    private func tlsConfiguration() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile { configuration.additionalTrustRoots = [.file(caFile)] }
        return configuration
    }

    /// SNI takes names, not addresses.
    static func sniName(_ host: String) -> String? {
        host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
    }

    static var clientName: String { ProcessInfo.processInfo.hostName.isEmpty ? "bazaar.localdomain" : ProcessInfo.processInfo.hostName }

    /// The DATA payload: headers, a UTF-8 plain-text body, CRLF line ends, leading dots doubled,
    /// and the terminating line.
    static func render(_ message: MailMessage, from: String) -> String {
        let date = DateFormatter()
        date.locale = Locale(identifier: "en_US_POSIX")
        date.timeZone = TimeZone(identifier: "UTC")
        date.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let headers = [
            "From: \(from)", "To: \(message.to)", "Subject: \(encodedHeader(message.subject))", "Date: \(date.string(from: Date()))",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(from.split(separator: "@").last ?? "bazaar")>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
        ]
        let body = message.body.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }
        return (headers + [""] + body).joined(separator: "\r\n") + "\r\n."
    }

    /// RFC 2047 for non-ASCII subjects.
    static func encodedHeader(_ text: String) -> String {
        text.allSatisfy(\.isASCII) ? text : "=?utf-8?B?\(Data(text.utf8).base64EncodedString())?="
    }
}

/// Set once, read from anywhere.
final class OnceFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// One server reply: its code and text lines (a multi-line reply has several).
public struct SMTPReply: Sendable {
    public let code: Int
    public let lines: [String]
}

/// The command/reply exchange on one connection.
struct SMTPSession {
    var lines: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    mutating func reply() async throws -> SMTPReply {
        var texts: [String] = []
        while let buffer = try await lines.next() {
            let line = String(buffer: buffer)
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                throw SMTPTransport.Refused(command: "read", reply: SMTPReply(code: 0, lines: [line]))
            }
            texts.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return SMTPReply(code: code, lines: texts) }
        }
        throw SMTPTransport.Refused(command: "read", reply: SMTPReply(code: 0, lines: ["connection closed"]))
    }

    mutating func expect(_ codes: Int..., after command: String) async throws {
        let reply = try await reply()
        guard codes.contains(reply.code) else { throw SMTPTransport.Refused(command: command, reply: reply) }
    }

    @discardableResult
    mutating func command(_ text: String, expect codes: Int..., name: String? = nil) async throws -> SMTPReply {
        try await outbound.write(ByteBuffer(string: text + "\r\n"))
        let reply = try await reply()
        // Never echo credentials into errors or logs: name AUTH steps generically.
        guard codes.contains(reply.code) else {
            throw SMTPTransport.Refused(command: name ?? String(text.prefix { $0 != " " }), reply: reply)
        }
        return reply
    }

    mutating func authenticate(username: String, password: String, capabilities: [String]) async throws {
        let mechanisms = Set(
            capabilities.filter { $0.uppercased().hasPrefix("AUTH ") || $0.uppercased().hasPrefix("AUTH=") }
                .flatMap { $0.dropFirst(5).split(separator: " ").map { $0.uppercased() } })
        if mechanisms.contains("PLAIN") {
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            try await command("AUTH PLAIN \(token)", expect: 235, name: "AUTH PLAIN")
        } else if mechanisms.contains("LOGIN") {
            try await command("AUTH LOGIN", expect: 334)
            try await command(Data(username.utf8).base64EncodedString(), expect: 334, name: "AUTH LOGIN username")
            try await command(Data(password.utf8).base64EncodedString(), expect: 235, name: "AUTH LOGIN password")
        } else {
            throw SMTPTransport.Refused(command: "AUTH", reply: SMTPReply(code: 0, lines: ["the server offers neither PLAIN nor LOGIN"]))
        }
    }
}
