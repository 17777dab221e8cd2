public import Foundation
public import PlatformEvents

/// A notification was written to a user's inbox. Every process follows these to push them to
/// the user's realtime connections, so the payload is the whole notification.
public struct NotificationCreated: DomainEvent {
    public static let type = "notification.created"
    public var aggregateID: String { notification.userId }
    public let notification: NotificationMessage
    /// False when the user turned realtime delivery off: the inbox has it, no push.
    public let realtime: Bool

    public init(notification: NotificationMessage, realtime: Bool) {
        self.notification = notification
        self.realtime = realtime
    }
}

/// A notification as users see it (inbox, WebSocket frame, Socket.IO `"message"`).
public struct NotificationMessage: Codable, Sendable, Equatable {
    public let id: String
    public let userId: String
    public let kind: String
    public let title: String
    public let body: String
    public let createdAt: Date
    public var readAt: Date?
    /// Position in the user's stream; a WebSocket client reconnects with `lastEventId` set to
    /// the last one it saw.
    public let eventId: String

    public init(id: String, userId: String, kind: String, title: String, body: String, createdAt: Date, readAt: Date?, eventId: String) {
        self.id = id
        self.userId = userId
        self.kind = kind
        self.title = title
        self.body = body
        self.createdAt = createdAt
        self.readAt = readAt
        self.eventId = eventId
    }
}
