import Contracts
import Foundation
public import Hummingbird
public import Platform
import ServiceLifecycle
import SQLKit

extension NotificationMessage: ResponseEncodable {}
extension CampaignView: ResponseEncodable {}

struct InboxPage: ResponseEncodable, Sendable {
    let items: [NotificationMessage]
    @NullWhenAbsent var nextCursor: String?
    let unreadCount: Int
}

struct ReadAllResult: ResponseEncodable, Sendable {
    let updated: Int
}

struct AdminNotificationPayload: RequestPayload {
    static let allowedFields: Set<String> = ["userId", "title", "body"]
    let userId: String
    let title: String
    let body: String

    func validate() -> [FieldError] {
        [Validate.length(userId, field: "userId", max: 64), Validate.length(title, field: "title", max: 200), Validate.length(body, field: "body", max: 5000)]
            .compactMap { $0 }
    }
}

/// Notifications: inboxes, their sources (other modules' events), campaigns, mail for welcome
/// and order confirmation.
public struct NotificationsModule: BazaarModule {
    public static let name = "notifications"
    let platform: PlatformContext
    let inbox: Inbox
    let campaigns: Campaigns
    let hub = NotificationHub()
    let socketIO: SocketIOServer
    let grantCheckInterval: Duration

    public struct Settings: Sendable {
        /// Engine.IO ping timing (the protocol's defaults).
        public var pingInterval: Duration = .seconds(25)
        public var pingTimeout: Duration = .seconds(20)
        /// How often a realtime connection checks that its session still stands and its token
        /// has not expired.
        public var grantCheckInterval: Duration = .seconds(5)
        public init() {}
    }

    public init(platform: PlatformContext, scheduler: SchedulerService, settings: Settings) {
        self.platform = platform
        inbox = Inbox(platform: platform)
        campaigns = Campaigns(platform: platform, scheduler: scheduler)
        grantCheckInterval = settings.grantCheckInterval
        socketIO = SocketIOServer(
            hub: hub, verifier: platform.verifier, clock: platform.clock,
            timing: SocketIOServer.Timing(pingInterval: settings.pingInterval, pingTimeout: settings.pingTimeout, grantCheck: settings.grantCheckInterval))
    }

    public var migrations: ModuleMigrations { NotificationsMigrations.all }
    public var eventHandlers: [any EventHandler] { [NotificationSources(inbox: inbox, jobs: platform.jobs)] }
    public var jobHandlers: [any JobHandler] { [CampaignRunJob(campaigns: campaigns, inbox: inbox)] }
    public var services: [any Service] { [RealtimeFeed(hub: hub, log: platform.events, logger: platform.logger)] }

    /// Realtime connections to this process, for tests and metrics.
    public var realtimeConnections: Int { hub.connectionCount }

    public func addRootRoutes(to router: Router<BazaarRequestContext>) {
        // Socket.IO's HTTP long-polling half; the WebSocket half is in `addWebSocketRoutes`.
        socketIO.addHTTPRoutes(to: router)
    }

    public func addWebSocketRoutes(to router: Router<RealtimeRequestContext>) {
        socketIO.addWebSocketRoutes(to: router)
        stream.addWebSocketRoutes(to: router)
    }

    var stream: NotificationStream { NotificationStream(hub: hub, inbox: inbox, verifier: platform.verifier, clock: platform.clock, grantCheck: grantCheckInterval) }

    public func addRoutes(to groups: RouteGroups) {
        stream.addHTTPRoutes(to: groups.api)
        groups.authenticated.get("notifications") { request, context -> InboxPage in
            let unreadOnly = try Self.unreadFilter(request)
            let page = try await Paging.keysetPage(
                request, fetch: { try await inbox.list(userID: context.user.id, unreadOnly: unreadOnly, after: $0, limit: $1) },
                cursor: { KeysetCursor(timestamp: $0.createdAt.millisecondsSince1970, id: String($0.streamPosition.sequence)) }, view: { $0 })
            return InboxPage(items: page.items, nextCursor: page.nextCursor, unreadCount: try await inbox.unreadCount(userID: context.user.id))
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
            let written = try await platform.database.transaction { [inbox] db in
                guard let recipient = try await RecipientStore.find([payload.userId], on: db).first else { throw Problem.notFound("User") }
                return try await inbox.deliver(NotificationDraft(kind: "admin", title: payload.title, body: payload.body, sourceKey: nil), to: [recipient], on: db)
            }
            guard let message = written.first else { throw Problem(.internalServerError, detail: "The notification was not written.") }
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
        default: throw Problem.badRequest("Query parameter unread must be true or false.", errors: [FieldError(field: "unread", message: "must be true or false")])
        }
    }
}
