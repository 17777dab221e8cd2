import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport

struct NotificationBody: Decodable, Sendable, Equatable {
    let id: String
    let userId: String
    let kind: String
    let title: String
    let body: String
    let readAt: String?
    let eventId: String
}

struct InboxBody: Decodable, Sendable {
    let items: [NotificationBody]
    let nextCursor: String?
    let unreadCount: Int
}

struct MailBody: Decodable, Sendable {
    let to: String
    let subject: String
    let body: String
}

extension TestBazaar {
    func inbox(_ token: String, query: String = "") async throws -> InboxBody {
        let response = try await request(.get, "/api/v1/notifications\(query)", token: token)
        guard response.status == .ok else { throw UnexpectedStatus(response) }
        return try response.decode(InboxBody.self)
    }

    /// Waits for the consumer to write a notification of `kind` for the user, and returns it.
    func awaitNotification(_ token: String, kind: String) async throws -> NotificationBody {
        try await poll("a \(kind) notification") { try await inbox(token).items.first { $0.kind == kind } }
    }

    func mail(to email: String, admin: String) async throws -> [MailBody] {
        struct List: Decodable { let items: [MailBody] }
        return try await request(.get, "/api/v1/admin/mail?to=\(email)", token: admin).decode(List.self).items
    }

    func postNotification(
        admin: String, to userID: String, title: String = "Hello", body: String = "From the team"
    ) async throws -> NotificationBody {
        let response = try await request(
            .post, "/api/v1/admin/notifications", token: admin, json: #"{"userId":"\#(userID)","title":"\#(title)","body":"\#(body)"}"#)
        guard response.status == .created else { throw UnexpectedStatus(response) }
        return try response.decode(NotificationBody.self)
    }

    func setPreferences(
        _ token: String, orderUpdates: Bool = true, promotions: Bool = true, email: Bool = true, realtime: Bool = true
    ) async throws {
        let response = try await request(
            .put, "/api/v1/users/me/preferences", token: token,
            json: #"{"orderUpdates":\#(orderUpdates),"promotions":\#(promotions),"email":\#(email),"realtime":\#(realtime)}"#)
        guard response.status == .ok else { throw UnexpectedStatus(response) }
    }

    /// A registered user whose welcome has been delivered, so Notifications knows them.
    func knownUser(_ email: String) async throws -> Session {
        let user = try await register(email: email)
        _ = try await awaitNotification(user.accessToken, kind: "welcome")
        return user
    }
}
