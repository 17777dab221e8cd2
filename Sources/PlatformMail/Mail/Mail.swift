public import Foundation
import PlatformCore
import PlatformDatabase
import PlatformEvents
public import SQLKit

/// An outgoing message.
public struct MailMessage: Codable, Sendable, Equatable {
    public let to: String
    public let subject: String
    public let body: String

    public init(to: String, subject: String, body: String) {
        self.to = to
        self.subject = subject
        self.body = body
    }
}

/// Delivers mail. `bazaar run` uses `StoredMailTransport` (the mail log visible to admins);
/// an SMTP transport is a second implementation of the same protocol.
public protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
}

/// A transport that delivers several messages as one, all or none (the mail log: one
/// transaction). `MailJob` hands it a batch's messages together, and falls back to one at a
/// time when that fails, so each message still succeeds or fails on its own.
public protocol BatchMailTransport: MailTransport {
    func send(all messages: [MailMessage]) async throws
}

/// Writes each message to `mail_log` instead of sending it.
public struct StoredMailTransport: BatchMailTransport {
    let database: any Database
    let clock: any WallClock

    public init(database: any Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
    }

    public func send(_ message: MailMessage) async throws {
        try await send(all: [message])
    }

    /// One transaction and one statement for all of them, made before the transaction
    /// (`Database.serialize`: on SQLite that work then holds no one else's writes up).
    public func send(all messages: [MailMessage]) async throws {
        guard !messages.isEmpty else { return }
        let now = clock.now().millisecondsSince1970
        let rows = messages.map { message -> [any SQLExpression] in
            [SQLBind(message.to), SQLBind(message.subject), SQLBind(message.body), SQLBind(now)]
        }
        let insert = try database.serialize(SQLQueryString.insert(into: "mail_log", columns: ["recipient", "subject", "body", "sent_at"], rows: rows))
        try await database.transaction { db in try await insert.run(on: db) }
    }
}

/// Mail is sent by the job queue, so a failing transport is retried with backoff and finally
/// dead-lettered, and a request that "sends" mail only enqueues it in its own transaction.
public struct MailJob: JobHandler {
    public static let kind = "mail.send"
    public var kind: String { Self.kind }
    let transport: any MailTransport

    public init(transport: any MailTransport) { self.transport = transport }

    public func run(_ job: Job) async throws {
        try await transport.send(try job.decode(MailMessage.self))
    }

    /// The batch's messages go to the transport together (the mail log stores them in one
    /// transaction); if that fails, each is sent on its own, so only the failing ones retry.
    public func run(batch jobs: [Job]) async -> [Result<Void, any Error>] {
        var outcomes = jobs.map { job in Result<MailMessage, any Error> { try job.decode(MailMessage.self) } }
        let messages = outcomes.compactMap { try? $0.get() }
        if messages.count > 1, let batching = transport as? any BatchMailTransport, (try? await batching.send(all: messages)) != nil {
            return outcomes.map { $0.map { _ in () } }
        }
        for index in outcomes.indices {
            guard case .success(let message) = outcomes[index] else { continue }
            do {
                try await transport.send(message)
            } catch {
                outcomes[index] = .failure(error)
            }
        }
        return outcomes.map { $0.map { _ in () } }
    }

    /// Recipient and subject only: mail bodies can carry reset tokens.
    public func deadLetterPayload(_ job: Job) -> String {
        guard let message = try? job.decode(MailMessage.self) else { return "{}" }
        let summary = ["to": message.to, "subject": message.subject, "body": "(not shown)"]
        return (try? SortedJSON.string(summary)) ?? "{}"
    }

    public static func enqueue(_ message: MailMessage, queue: JobQueue, on db: any SQLDatabase) async throws {
        try await queue.enqueue(kind: kind, payload: message, maxAttempts: 8, on: db)
    }

    public static func enqueue(_ messages: [MailMessage], queue: JobQueue, on db: any SQLDatabase) async throws {
        try await queue.enqueue(kind: kind, payloads: messages, maxAttempts: 8, on: db)
    }
}

public struct LoggedMail: Encodable, Sendable {
    public let id: Int64
    public let to: String
    public let subject: String
    public let body: String
    public let sentAt: Date
}

public struct MailLog: Sendable {
    let database: any Database
    public init(database: any Database) { self.database = database }

    public func recent(to recipient: String?, limit: Int) async throws -> [LoggedMail] {
        try await database.read { db in
            var select = db.select().columns("id", "recipient", "subject", "body", "sent_at").from("mail_log")
            if let recipient { select = select.where("recipient", .equal, recipient) }
            return try await select.orderBy("id", .descending).limit(limit).all().map { row in
                LoggedMail(
                    id: try row.decode(column: "id", as: Int64.self), to: try row.decode(column: "recipient", as: String.self),
                    subject: try row.decode(column: "subject", as: String.self), body: try row.decode(column: "body", as: String.self),
                    sentAt: Date(millisecondsSince1970: try row.decode(column: "sent_at", as: Int64.self)))
            }
        }
    }
}
