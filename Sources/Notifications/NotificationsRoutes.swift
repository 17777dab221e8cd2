import Contracts
import Foundation
import Hummingbird
import Platform
import PlatformCore
import PlatformHTTP

/// Notifications' HTTP face: the inbox, admin notifications and campaigns (the realtime
/// routes are `NotificationStream`'s and `SocketIOServer`'s).
struct NotificationsRoutes: Sendable {
    let inbox: Inbox
    let campaigns: Campaigns
    let stream: NotificationStream

    func add(to groups: RouteGroups) {
        stream.addHTTPRoutes(to: groups.api)
        groups.authenticated.get("notifications") { request, context -> InboxPage in
            let unreadOnly = try Self.unreadFilter(request)
            let page = try await Paging.keysetPage(
                request, fetch: { try await inbox.list(userID: context.user.id, unreadOnly: unreadOnly, after: $0, limit: $1) },
                cursor: { KeysetCursor(timestamp: $0.createdAt.millisecondsSince1970, id: String($0.streamPosition.sequence)) },
                view: { $0 })
            return InboxPage(
                items: page.items, nextCursor: page.nextCursor, unreadCount: try await inbox.unreadCount(userID: context.user.id))
        }
        groups.authenticated.post("notifications/read-all") { _, context -> ReadAllResult in
            ReadAllResult(updated: try await inbox.markAllRead(userID: context.user.id))
        }
        groups.authenticated.post("notifications/{id}/read") { _, context -> NotificationMessage in
            guard let message = try await inbox.markRead(id: context.parameters.get("id") ?? "", userID: context.user.id) else {
                throw Problem.notFound("Notification")
            }
            return message
        }
        groups.admin.post("notifications") { request, context -> EditedResponse<NotificationMessage> in
            let payload = try await request.decodeBody(AdminNotificationPayload.self, context: context)
            guard let message = try await inbox.sendFromAdmin(to: payload.userId, title: payload.title, body: payload.body) else {
                throw Problem.notFound("User")
            }
            return EditedResponse(status: .created, response: message)
        }
        groups.admin.post("campaigns") { request, context -> EditedResponse<CampaignView> in
            let payload = try await request.decodeBody(CreateCampaignPayload.self, context: context)
            return EditedResponse(status: .created, response: try await campaigns.create(payload))
        }
        groups.admin.get("campaigns") { request, _ -> ListResponse<CampaignView> in
            try await Paging.keysetPage(
                request, fetch: { try await campaigns.list(after: $0, limit: $1) },
                cursor: { KeysetCursor(timestamp: $0.createdAt.millisecondsSince1970, id: $0.id) }, view: { $0 })
        }
        groups.admin.delete("campaigns/{id}") { _, context -> HTTPResponse.Status in
            guard try await campaigns.delete(id: context.parameters.get("id") ?? "") else { throw Problem.notFound("Campaign") }
            return .noContent
        }
    }

    /// `unread` is `true` or `false`; anything else is a 400 naming the parameter.
    static func unreadFilter(_ request: Request) throws -> Bool {
        switch request.uri.queryParameters["unread"].map(String.init) {
        case nil, "false": false
        case "true": true
        default:
            throw Problem.badRequest(
                "Query parameter unread must be true or false.", errors: [FieldError(field: "unread", message: "must be true or false")])
        }
    }
}
