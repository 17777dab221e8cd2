public import Hummingbird
public import ServiceLifecycle

/// What a bounded context contributes to a process: its tables, its routes under `/api/v1`,
/// its event consumers, job handlers and background services.
public protocol BazaarModule: Sendable {
    static var name: String { get }
    var migrations: ModuleMigrations { get }
    var eventHandlers: [any EventHandler] { get }
    var jobHandlers: [any JobHandler] { get }
    var services: [any Service] { get }
    func addRoutes(public api: RouterGroup<BazaarRequestContext>, authenticated: RouterGroup<AuthenticatedContext>, admin: RouterGroup<AdminContext>)
    /// Runs once after migrations, before the server accepts requests (seed data, keys).
    func prepare() async throws
}

extension BazaarModule {
    public var eventHandlers: [any EventHandler] { [] }
    public var jobHandlers: [any JobHandler] { [] }
    public var services: [any Service] { [] }
    public func prepare() async throws {}
}

/// Everything a module needs from the platform, built once per process.
public struct PlatformContext: Sendable {
    public let database: any Database
    public let clock: any WallClock
    public let events: EventLog
    public let jobs: JobQueue
    public let verifier: TokenVerifier
    public let logger: Logger

    public init(database: any Database, clock: any WallClock, verifier: TokenVerifier, logger: Logger) {
        self.database = database
        self.clock = clock
        self.events = EventLog(database: database, clock: clock)
        self.jobs = JobQueue(database: database, clock: clock)
        self.verifier = verifier
        self.logger = logger
    }
}

public import Logging
