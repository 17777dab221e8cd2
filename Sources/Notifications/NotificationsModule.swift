import Contracts
import Foundation
public import Hummingbird
public import Platform
public import PlatformDatabase
public import PlatformEvents
public import PlatformHTTP
import ServiceLifecycle

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
            timing: SocketIOServer.Timing(
                pingInterval: settings.pingInterval, pingTimeout: settings.pingTimeout, grantCheck: settings.grantCheckInterval))
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

    var stream: NotificationStream {
        NotificationStream(hub: hub, inbox: inbox, verifier: platform.verifier, clock: platform.clock, grantCheck: grantCheckInterval)
    }

    public func addRoutes(to groups: RouteGroups) {
        NotificationsRoutes(inbox: inbox, campaigns: campaigns, stream: stream).add(to: groups)
    }
}
