import Cart
import Catalog
import Contracts
import Gateway
public import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Identity
import KafkaEvents
public import Logging
import Notifications
import Ordering
public import Platform
import PlatformAuth
public import PlatformCore
import PlatformDatabase
public import PlatformEvents
public import PlatformHTTP
public import PlatformMail
import PlatformObservability
import PostgresNIO
import Promotions
import ServiceLifecycle

/// A built process: the HTTP application plus handles that operators' commands and tests use.
public struct Bazaar: Sendable {
    public let application: Application<RouterResponder<BazaarRequestContext>>
    public let platform: PlatformContext
    public let settings: BazaarSettings
    public let consumers: EventConsumerService
    public let jobWorker: JobWorkerService
    public let scheduler: SchedulerService
    public let identity: IdentityModule?
    /// Publishing to Kafka, when brokers are set.
    public let kafkaRelay: KafkaRelay?
    let modules: [any BazaarModule]
    /// `METHOD /path` of every registered route, for the OpenAPI coverage check.
    public let routes: [String]
    let migrations: [ModuleMigrations]

    /// Applies migrations and prepares modules (keys, default admin). The application runs this
    /// before it accepts requests; `bazaar migrate` runs it alone.
    public func prepare() async throws {
        try await prepareDatabase(platform: platform, migrations: migrations, modules: modules)
    }

    /// Realtime connections (WebSocket stream and Socket.IO) open on this process.
    public var realtimeConnections: Int {
        modules.compactMap { $0 as? NotificationsModule }.first?.realtimeConnections ?? 0
    }
}

/// The composition root shared by `main` and the tests: builds the modules named in `settings`
/// on one database and wires their routes, consumers and jobs.
///
/// `decorateHandlers` wraps every event handler; tests use it to inject failures mid-saga.
public func buildBazaar(
    settings: BazaarSettings, clock: any WallClock = SystemWallClock(), mailTransport: (any MailTransport)? = nil,
    decorateHandlers: (@Sendable (any EventHandler) -> any EventHandler)? = nil, logger: Logger
) async throws -> Bazaar {
    _ = BazaarMetrics.registry  // bootstrap before any metric (the request middleware's) is created
    let database = try await settings.database.open(poolSize: settings.databasePoolSize, logger: logger)
    let verifier = TokenVerifier(audience: TokenAudience(), accessTokenLifetime: settings.identity.accessTokenLifetime, clock: clock)
    let platform = PlatformContext(database: database, clock: clock, verifier: verifier, logger: logger)

    let scheduler = SchedulerService(queue: platform.jobs, logger: logger)
    let identity = settings.modules.contains(.identity) ? IdentityModule(platform: platform, settings: settings.identity) : nil
    let catalog = settings.modules.contains(.catalog) ? CatalogModule(platform: platform, imageLimit: settings.imageMaxBytes) : nil
    // Modules in this process talk in-process; the others over HTTP (split mode).
    let upstreams = ModuleUpstreams(settings: settings)
    let catalogClient: (any CatalogClient)? =
        catalog?.client ?? upstreams.httpClient(for: .catalog) { HTTPCatalogClient(upstream: $0, client: $1) }
    let cart = settings.modules.contains(.cart) ? catalogClient.map { CartModule(platform: platform, catalog: $0) } : nil
    let cartClient: (any CartClient)? = cart?.client ?? upstreams.httpClient(for: .cart) { HTTPCartClient(upstream: $0, client: $1) }
    let promotions = settings.modules.contains(.promotions) ? PromotionsModule(platform: platform, currency: settings.walletCurrency) : nil
    let walletPayments = settings.walletPayments ?? (promotions != nil)
    let ordering =
        settings.modules.contains(.ordering)
        ? catalogClient.map {
            OrderingModule(platform: platform, catalog: $0, cart: cartClient, scheduler: scheduler, walletPayments: walletPayments)
        } : nil
    let notifications =
        settings.modules.contains(.notifications)
        ? NotificationsModule(platform: platform, scheduler: scheduler, settings: settings.notifications) : nil
    let modules: [any BazaarModule] = ([identity, catalog, cart, ordering, promotions, notifications] as [(any BazaarModule)?]).compactMap {
        $0
    }

    let handlers = modules.flatMap(\.eventHandlers).map { decorateHandlers?($0) ?? $0 }
    let consumers = EventConsumerService(
        handlers: handlers, database: database, clock: clock,
        retry: RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(50), maxDelay: .seconds(30)),
        transport: settings.eventTransport == .kafka ? settings.kafka.map(KafkaEventTransport.init(settings:)) : nil,
        // With brokers set, processes of one consumer may follow the log and read Kafka at the
        // same time (a rolling switch of the transport): only the ids keep them from both
        // applying an event.
        recordsAppliedEvents: settings.kafka != nil, logger: logger)
    let transport =
        mailTransport ?? settings.smtp.map { SMTPTransport(settings: $0) } ?? StoredMailTransport(database: database, clock: clock)
    let jobWorker = JobWorkerService(
        queue: platform.jobs, handlers: [MailJob(transport: transport)] + modules.flatMap(\.jobHandlers), logger: logger)
    let feed = TokenVerifierFeed(verifier: verifier, log: platform.events, clock: clock, logger: logger)
    let migrations = [PlatformMigrations.all] + modules.map(\.migrations)
    let gate = StartupGate()
    let kafkaRelay = try settings.kafka.map { try KafkaRelay(settings: $0, database: database, clock: clock, logger: logger) }

    let router = Router(context: BazaarRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: RequestIDMiddleware(trustForwardedFor: settings.trustForwardedFor))
    // Outside the problem middleware, so refusals carry CORS headers too; preflights stop here.
    if let origins = settings.corsOrigins { router.add(middleware: CORSPolicy(origins: origins)) }
    let routeMethods = RouteMethods()
    router.add(middleware: ProblemMiddleware(routes: routeMethods))
    let apiKeys = APIKeys(database: database, clock: clock)
    router.add(middleware: AuthenticationMiddleware(verifier: verifier, apiKeys: apiKeys))
    let rateLimits = RateLimitRules(
        limiter: RateLimiter(clock: clock),
        auth: settings.authRequestsPerMinute > 0 ? RateLimitPolicy(name: "auth", limit: settings.authRequestsPerMinute) : nil,
        api: settings.apiRequestsPerMinute > 0 ? RateLimitPolicy(name: "api", limit: settings.apiRequestsPerMinute) : nil,
        realtime: settings.realtimeConnectionsPerMinute > 0
            ? RateLimitPolicy(name: "realtime", limit: settings.realtimeConnectionsPerMinute) : nil)
    router.add(middleware: RateLimitMiddleware(rules: rateLimits))
    let gateway = try GatewayParts(settings: settings, platform: platform, upstreams: upstreams)
    if let proxy = gateway?.proxy { router.add(middleware: proxy) }
    // After the proxy: a forwarded admin request is audited by the module that serves it.
    router.add(middleware: AuditMiddleware(log: platform.audit))
    router.add(middleware: DomainErrorMiddleware())

    let operations = OperationsRoutes(
        database: database, clock: clock, consumers: consumers, modules: modules, components: [kafkaRelay].compactMap { $0 }
    ) {
        guard gate.isOpen else { return false }
        return (try? await Migrator(database: database, logger: logger).isUpToDate(migrations)) ?? false
    }
    operations.addPublicRoutes(to: router)
    APIDocumentation.addRoutes(to: router, verifier: verifier)
    gateway?.graphQL.addRoutes(to: router)
    let webSocketRouter = Router(context: RealtimeRequestContext.self)
    webSocketRouter.add(middleware: RealtimeRateLimitMiddleware(rules: rateLimits, trustForwardedFor: settings.trustForwardedFor))
    for module in modules {
        module.addRootRoutes(to: router)
        module.addWebSocketRoutes(to: webSocketRouter)
    }
    gateway?.realtime?.addWebSocketRoutes(to: webSocketRouter)

    let groups = RouteGroups(api: router.group("api/v1"))
    for module in modules {
        module.addRoutes(to: groups)
    }
    operations.addAdminRoutes(to: groups.admin)
    apiKeys.addRoutes(to: groups.admin)

    let routes = router.routes.map { "\($0.method) \($0.path)" }
    routeMethods.load(router.routes.map { (method: $0.method.rawValue, path: "\($0.path)") })
    let responder = router.buildResponder()
    gateway?.transport.bind(responder)
    let webSocketResponder = webSocketRouter.buildResponder()
    let limits = settings.connectionLimits
    let channel = HTTP1WebSocketUpgradeChannel.Configuration(
        http1: .init(idleTimeout: nil, httpDecoderConfiguration: limits.decoderConfiguration))
    var application = Application(
        responder: responder,
        server: HTTPServerBuilder { responder in
            GuardedChildChannel(
                HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: channel),
                limits: limits)
        },
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "bazaar"),
        logger: logger)

    // Shutdown runs in reverse: background work stops first, the database goes last.
    if let postgres = database as? PostgresBackend {
        application.addServices(postgres.client, GatedService(gate: gate, service: EventLogListener(database: postgres, logger: logger)))
    } else {
        application.addServices(DatabaseCloser(database: database))
    }
    application.addServices(
        GatedService(gate: gate, service: feed),
        GatedService(gate: gate, service: consumers),
        GatedService(gate: gate, service: jobWorker),
        GatedService(gate: gate, service: scheduler))
    application.addServices(modules.flatMap(\.services).map { GatedService(gate: gate, service: $0) })
    if let invalidation = gateway?.cacheInvalidation { application.addServices(GatedService(gate: gate, service: invalidation)) }
    if let kafkaRelay { application.addServices(GatedService(gate: gate, service: kafkaRelay)) }
    application.addServices(upstreams.services(interval: settings.upstreamHealthInterval, logger: logger))

    application.beforeServerStarts {
        try await prepareDatabase(platform: platform, migrations: migrations, modules: modules)
        try await feed.catchUp()
        gate.open()
    }
    return Bazaar(
        application: application, platform: platform, settings: settings, consumers: consumers, jobWorker: jobWorker, scheduler: scheduler,
        identity: identity, kafkaRelay: kafkaRelay, modules: modules, routes: routes, migrations: migrations)
}

/// Where log lines go besides standard output: the Kafka topic `<prefix>logs` when
/// `BAZAAR_KAFKA_LOGS` is on.
public func logLineSink(for settings: BazaarSettings) throws -> (@Sendable ([UInt8]) -> Void)? {
    guard settings.kafkaLogs, let kafka = settings.kafka else { return nil }
    return try KafkaLogShipper(settings: kafka).ship
}

/// Applies migrations, then lets modules seed what they need (signing keys, default admin,
/// scheduled tasks).
func prepareDatabase(platform: PlatformContext, migrations: [ModuleMigrations], modules: [any BazaarModule]) async throws {
    try await Migrator(database: platform.database, logger: platform.logger).migrate(migrations)
    for module in modules { try await module.prepare() }
}

/// Closes SQLite connections when the process shuts down.
struct DatabaseCloser: Service {
    let database: any Database
    func run() async throws {
        try? await gracefulShutdown()
        await database.shutdown()
    }
}

extension Bazaar {
    /// Runs `body` with the database usable outside the HTTP server (PostgreSQL needs its client
    /// running), then closes it. For operator commands.
    public func withDatabase(_ body: @escaping @Sendable () async throws -> Void) async throws {
        if let postgres = platform.database as? PostgresBackend {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await postgres.client.run() }
                defer { group.cancelAll() }
                try await body()
            }
        } else {
            do {
                try await body()
            } catch {
                await platform.database.shutdown()
                throw error
            }
            await platform.database.shutdown()
        }
    }
}
