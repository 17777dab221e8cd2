import Contracts
import Foundation
import Platform
import PlatformCore
import PlatformHTTP
import SQLKit

/// What a source wants to say. `sourceKey` names the cause (an event, a campaign run); with the
/// user id appended it is unique, so a redelivered cause writes nothing twice.
struct NotificationDraft: Sendable {
    let kind: String
    let title: String
    let body: String
    let sourceKey: String?
}

/// The stream position of a notification: the writing transaction and the row's sequence,
/// ordered like the event log, printed as `tx.seq`.
struct StreamPosition: Sendable, Comparable {
    let transaction: Int64
    let sequence: Int64

    static let start = StreamPosition(transaction: 0, sequence: 0)

    init(transaction: Int64, sequence: Int64) {
        self.transaction = transaction
        self.sequence = sequence
    }

    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let transaction = Int64(parts[0]), let sequence = Int64(parts[1]), transaction >= 0, sequence >= 0 else {
            return nil
        }
        self.init(transaction: transaction, sequence: sequence)
    }

    var text: String { "\(transaction).\(sequence)" }

    static func < (lhs: Self, rhs: Self) -> Bool { (lhs.transaction, lhs.sequence) < (rhs.transaction, rhs.sequence) }
}

/// Users' inboxes. Writing a notification appends `notification.created` in the same
/// transaction, which is how every process's realtime connections learn of it.
struct Inbox: Sendable {
    let platform: PlatformContext

    private static let columns = ["seq", "id", "user_id", "kind", "title", "body", "created_at", "read_at", "tx_id"]
    private static let insertColumns = ["id", "user_id", "kind", "title", "body", "source_key", "created_at", "tx_id"]

    /// An admin's notification to one user; nil when there is no such user.
    func sendFromAdmin(to userID: String, title: String, body: String) async throws -> NotificationMessage? {
        try await platform.database.transaction { db in
            guard let recipient = try await RecipientStore.find([userID], on: db).first else { return nil }
            return try await deliver(NotificationDraft(kind: "admin", title: title, body: body, sourceKey: nil), to: [recipient], on: db)
                .first
        }
    }

    /// Writes the draft to each recipient's inbox; returns what was new (a source key already
    /// used for a recipient writes nothing for them).
    @discardableResult
    func deliver(_ draft: NotificationDraft, to recipients: [Recipient], on db: any SQLDatabase) async throws -> [NotificationMessage] {
        try await deliver(recipients.map { (draft, $0) }, on: db)
    }

    /// Writes each draft to its recipient's inbox, in INSERTs of at most 300
    /// (`DatabaseEngine.inserts`), and announces what was new.
    @discardableResult
    func deliver(_ items: [(draft: NotificationDraft, recipient: Recipient)], on db: any SQLDatabase) async throws -> [NotificationMessage] {
        guard !items.isEmpty else { return [] }
        let now = platform.clock.now().millisecondsSince1970
        var written: [NotificationMessage] = []
        let transactionID = SQLRaw(platform.database.engine.currentTransactionID)
        let rows = items.map { draft, recipient -> [any SQLExpression] in
            [
                SQLBind(UUID.timeOrdered().lowercasedString), SQLBind(recipient.userID), SQLBind(draft.kind), SQLBind(draft.title),
                SQLBind(draft.body), SQLBind(draft.sourceKey.map { "\($0):\(recipient.userID)" }), SQLBind(now), transactionID,
            ]
        }
        for var insert in platform.database.engine.inserts(into: "notifications", columns: Self.insertColumns, rows: rows, atMost: 300) {
            insert.appendLiteral(" ON CONFLICT DO NOTHING RETURNING " + Self.columns.joined(separator: ", "))
            written += try await db.raw(insert).all().map(NotificationMessage.init(row:))
        }
        let realtime = Dictionary(items.map { ($0.recipient.userID, $0.recipient.preferences.realtime) }, uniquingKeysWith: { first, _ in first })
        try await platform.events.append(
            contentsOf: written.map { NotificationCreated(notification: $0, realtime: realtime[$0.userId] ?? true) }, on: db)
        return written
    }

    /// A user's notifications, newest first.
    func list(userID: String, unreadOnly: Bool, after cursor: KeysetCursor?, limit: Int) async throws -> [NotificationMessage] {
        try await platform.database.read { db in
            var select = db.select().columns(Self.columns).from("notifications").where("user_id", .equal, userID)
            if unreadOnly { select = select.where("read_at", .is, SQLLiteral.null) }
            // Ties in time (one transaction, a coarse clock) fall back to insertion order.
            if let cursor {
                guard let seq = Int64(cursor.id) else {
                    throw Problem.badRequest("The cursor is not valid.", errors: [FieldError(field: "cursor", message: "is not valid")])
                }
                select = select.where(cursor.olderRows(tieBreaker: "seq", value: seq))
            }
            return try await select.orderBy("created_at", .descending).orderBy("seq", .descending).limit(limit).all().map(
                NotificationMessage.init(row:))
        }
    }

    func unreadCount(userID: String) async throws -> Int {
        try await platform.database.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM notifications WHERE user_id = \(bind: userID) AND read_at IS NULL").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// Marks one of the user's notifications read (again is fine); nil when it is not theirs.
    func markRead(id: String, userID: String) async throws -> NotificationMessage? {
        let now = platform.clock.now().millisecondsSince1970
        return try await platform.database.transaction { db in
            try await db.raw(
                "UPDATE notifications SET read_at = COALESCE(read_at, \(bind: now)) WHERE id = \(bind: id) AND user_id = \(bind: userID) RETURNING \(unsafeRaw: Self.columns.joined(separator: ", "))"
            ).first().map(NotificationMessage.init(row:))
        }
    }

    /// Marks all of the user's unread notifications read; returns how many changed.
    func markAllRead(userID: String) async throws -> Int {
        let now = platform.clock.now().millisecondsSince1970
        return try await platform.database.transaction { db in
            try await db.raw(
                "UPDATE notifications SET read_at = \(bind: now) WHERE user_id = \(bind: userID) AND read_at IS NULL RETURNING seq"
            ).all().count
        }
    }

    /// Where the user's stream stands now: a new connection without `lastEventId` starts here.
    func latestPosition(userID: String) async throws -> StreamPosition {
        try await platform.database.read { [database = platform.database] db in
            let settled = try await database.settledTransactions(on: db)
            let row = try await db.raw(
                "SELECT tx_id, seq FROM notifications WHERE user_id = \(bind: userID)\(settled) ORDER BY tx_id DESC, seq DESC LIMIT 1"
            ).first()
            guard let row else { return .start }
            return StreamPosition(
                transaction: try row.decode(column: "tx_id", as: Int64.self), sequence: try row.decode(column: "seq", as: Int64.self))
        }
    }

    /// What the user was sent after `position`, in stream order, for a reconnecting client.
    /// On PostgreSQL only transactions that can no longer be overtaken are read (as the event
    /// log does), so the live feed and the replay agree on order.
    func replay(userID: String, after position: StreamPosition, limit: Int) async throws -> [NotificationMessage] {
        try await platform.database.read { [database = platform.database] db in
            var query = SQLQueryString(
                """
                SELECT \(unsafeRaw: Self.columns.joined(separator: ", ")) FROM notifications WHERE user_id = \(bind: userID)
                AND (tx_id > \(bind: position.transaction) OR (tx_id = \(bind: position.transaction) AND seq > \(bind: position.sequence)))
                """)
            query += try await database.settledTransactions(on: db)
            query.appendLiteral(" ORDER BY tx_id, seq LIMIT ")
            query.appendInterpolation(literal: String(limit))
            return try await db.raw(query).all().map(NotificationMessage.init(row:))
        }
    }
}

extension NotificationMessage {
    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: String.self), userId: try row.decode(column: "user_id", as: String.self),
            kind: try row.decode(column: "kind", as: String.self), title: try row.decode(column: "title", as: String.self),
            body: try row.decode(column: "body", as: String.self),
            createdAt: Date(millisecondsSince1970: try row.decode(column: "created_at", as: Int64.self)),
            readAt: try row.decode(column: "read_at", as: Int64?.self).map(Date.init(millisecondsSince1970:)),
            eventId: StreamPosition(
                transaction: try row.decode(column: "tx_id", as: Int64.self), sequence: try row.decode(column: "seq", as: Int64.self)
            ).text)
    }

    var streamPosition: StreamPosition { StreamPosition(eventId) ?? .start }
}
