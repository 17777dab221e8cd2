public import Hummingbird
import PlatformAuth
import PlatformCore
import PlatformDatabase
import PlatformEvents
import PlatformHTTP
public import ServiceLifecycle

/// What a bounded context contributes to a process: its tables, its routes under `/api/v1`,
/// its event consumers, job handlers and background services.
public protocol BazaarModule: Sendable {
    static var name: String { get }
    var migrations: ModuleMigrations { get }
    var eventHandlers: [any EventHandler] { get }
    var jobHandlers: [any JobHandler] { get }
    var services: [any Service] { get }
    func addRoutes(to groups: RouteGroups)
    /// Routes outside `/api/v1` (JWKS, `/socket.io/`).
    func addRootRoutes(to router: Router<BazaarRequestContext>)
    /// Routes that upgrade to WebSocket. They live on a router of their own; a request that is
    /// not upgraded (refused by a middleware or `shouldUpgrade`) is answered by the main router.
    func addWebSocketRoutes(to router: Router<RealtimeRequestContext>)
    /// Runs once after migrations, before the server accepts requests (seed data, keys).
    func prepare() async throws
    /// Records gauges read from the module's own tables; `/metrics` calls it on every scrape.
    func refreshGauges() async
}

extension BazaarModule {
    public var eventHandlers: [any EventHandler] { [] }
    public var jobHandlers: [any JobHandler] { [] }
    public var services: [any Service] { [] }
    public func addRootRoutes(to router: Router<BazaarRequestContext>) {}
    public func addWebSocketRoutes(to router: Router<RealtimeRequestContext>) {}
    public func prepare() async throws {}
    public func refreshGauges() async {}
}

/// Where a module mounts its routes. All are under `/api/v1`; `admin` is `/api/v1/admin`, while
/// `adminAPI` serves admin-only methods on public paths (such as `POST /api/v1/products`).
public struct RouteGroups {
    public let api: RouterGroup<BazaarRequestContext>
    public let authenticated: RouterGroup<AuthenticatedContext>
    public let admin: RouterGroup<AdminContext>
    public let adminAPI: RouterGroup<AdminContext>

    public init(api: RouterGroup<BazaarRequestContext>) {
        self.api = api
        authenticated = api.group(context: AuthenticatedContext.self)
        admin = api.group("admin", context: AdminContext.self)
        adminAPI = api.group(context: AdminContext.self)
    }
}

/// Everything a module needs from the platform, built once per process.
public struct PlatformContext: Sendable {
    public let database: any Database
    public let clock: any WallClock
    public let events: EventLog
    public let jobs: JobQueue
    public let audit: AuditLog
    public let verifier: TokenVerifier
    public let logger: Logger

    public init(database: any Database, clock: any WallClock, verifier: TokenVerifier, logger: Logger) {
        self.database = database
        self.clock = clock
        self.events = EventLog(database: database, clock: clock)
        self.jobs = JobQueue(database: database, clock: clock)
        self.audit = AuditLog(database: database, clock: clock)
        self.verifier = verifier
        self.logger = logger
    }
}

public import Logging
