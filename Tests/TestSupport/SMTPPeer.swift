import Foundation

/// aiosmtpd on a free loopback port (scripts/peers/smtp_server.py): a real SMTP server.
public struct SMTPPeer: Sendable {
    public let process: PeerProcess
    public let port: Int
    /// The self-signed certificate, when started with STARTTLS.
    public let certificate: String?

    public struct Delivered: Decodable, Sendable {
        public let mail_from: String
        public let rcpt_tos: [String]
        public let auth_user: String?
        public let tls: Bool
        public let data: String
    }

    public static func start(
        starttls: Bool = false, auth: String? = nil, mechanisms: String = "PLAIN,LOGIN", refuse: Int = 0
    ) async throws -> SMTPPeer {
        var arguments = ["--mechanisms", mechanisms, "--refuse", String(refuse)]
        if starttls { arguments.append("--starttls") }
        if let auth { arguments += ["--auth", auth] }
        let process = try PeerProcess(script: "smtp_server.py", arguments: arguments)
        let listening = try await process.line(startingWith: "listening ")
        let certificate = starttls ? String(try await process.line(startingWith: "cert ").dropFirst(5)) : nil
        return SMTPPeer(process: process, port: Int(listening.dropFirst(10)) ?? 0, certificate: certificate)
    }

    public var delivered: [Delivered] {
        get throws {
            try process.output.filter { $0.hasPrefix("message ") }.map {
                try JSONDecoder().decode(Delivered.self, from: Data($0.dropFirst(8).utf8))
            }
        }
    }

    /// Waits until the server has printed `count` delivered messages (its output is read
    /// asynchronously) and returns them.
    public func awaitDelivered(_ count: Int = 1, timeout: Duration = .seconds(20)) async throws -> [Delivered] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let mail = try delivered
            if mail.count >= count { return mail }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw PeerProcess.PeerFailed(output: "expected \(count) messages:\n" + process.output.joined(separator: "\n"))
    }

    public var refusals: Int { process.output.filter { $0.hasPrefix("refused ") }.count }

    public func stop() { process.stop() }
}
