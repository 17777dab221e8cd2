public import Configuration
import Foundation
public import Identity
public import KafkaEvents
public import Logging
public import Notifications
public import PlatformDatabase
public import PlatformHTTP
public import PlatformMail

/// The modules a process can serve.
public enum ModuleName: String, CaseIterable, Sendable, Comparable {
    case identity
    case catalog
    case cart
    case ordering
    case promotions
    case notifications
    /// The public front: GraphQL over every module and, in split mode, REST routing to the
    /// processes that serve the others.
    case gateway

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Everything a process is configured with, read once at start-up from a `ConfigReader`
/// (command line > environment > file > defaults). Keys live under `bazaar.`, so the
/// environment variable of `bazaar.port` is `BAZAAR_PORT`.
public struct BazaarSettings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var database = DatabaseLocation.sqlite(path: "./bazaar.sqlite")
    /// PostgreSQL connections per process.
    public var databasePoolSize = 20
    public var modules = Set(ModuleName.allCases)
    public var logLevel = Logger.Level.info
    public var trustForwardedFor = false
    /// Origins whose pages may call Bazaar from a browser (`BAZAAR_CORS_ORIGINS`); nil: none.
    public var corsOrigins: CORSOrigins?
    public var identity = IdentityModule.Settings()
    public var notifications = NotificationsModule.Settings()
    /// Requests per minute on `/api/v1/auth/…` per client address, and on the rest of
    /// `/api/v1` per user (or address); 0 turns a limit off.
    public var authRequestsPerMinute = 30
    public var apiRequestsPerMinute = 600
    /// New realtime connections (WebSocket stream, Socket.IO handshakes) per minute per client address.
    public var realtimeConnectionsPerMinute = 60
    /// Outgoing mail; nil keeps mail in the mail log (`GET /admin/mail`).
    public var smtp: SMTPSettings?
    /// Where each module answers when this process does not serve it (split mode):
    /// `BAZAAR_CATALOG_URL`, `BAZAAR_CART_URL`, … each one URL or several separated by commas
    /// (processes serving the same module). Cart and Ordering call Catalog (and Ordering calls
    /// Cart) there; the gateway routes requests there.
    public var moduleURLs: [ModuleName: [URL]] = [:]
    /// The largest product image an admin may upload, in bytes (`BAZAAR_IMAGE_MAX_BYTES`).
    public var imageMaxBytes = 5 * 1024 * 1024
    /// How often each of those processes is asked whether it is ready.
    public var upstreamHealthInterval: Duration = .seconds(1)
    /// GraphQL introspection and GraphiQL; nil means the command's default (on in `run`).
    public var graphQLIntrospection: Bool?
    /// Bounds on one GraphQL operation: nesting depth and estimated fields resolved.
    public var graphQLDepthLimit = 10
    public var graphQLCostLimit = 5_000
    /// How long the gateway waits for a module before answering 504.
    public var gatewayTimeout: TimeInterval = 30
    /// Connections per process, head and idle timeouts, request line and header sizes.
    public var connectionLimits = ConnectionLimits()
    /// The wallet's single currency (ISO 4217).
    public var walletCurrency = "USD"
    /// Whether wallet-paid orders are accepted; defaults to "Promotions is served here".
    public var walletPayments: Bool?
    /// Publishing the event log to Kafka (`--kafka-brokers`, `BAZAAR_KAFKA_BROKERS`); nil: off.
    public var kafka: KafkaRelaySettings?
    /// Where module consumers read events (`--event-transport`): the database log, or Kafka
    /// consumer groups, so several processes serving a module share its consumers' work.
    public var eventTransport = EventTransportKind.log
    /// Every log line also to the topic `<prefix>logs` (`BAZAAR_KAFKA_LOGS`).
    public var kafkaLogs = false

    public enum EventTransportKind: String, Sendable, CaseIterable {
        case log
        case kafka
    }

    public init() {}

    /// A setting that is present but wrong; start-up stops with this one line.
    public struct Invalid: Error, CustomStringConvertible {
        public let setting: String
        public let problem: String
        public var description: String { "invalid setting \(setting): \(problem)" }
    }

    public static func load(from config: ConfigReader, defaultDatabase: DatabaseLocation) throws -> BazaarSettings {
        let config = config.scoped(to: "bazaar")
        var settings = BazaarSettings()
        settings.database = defaultDatabase
        settings.host = config.string(forKey: "host", default: settings.host)
        settings.port = try integer(config, "port", default: 8080, in: 1...65535)
        if let text = config.string(forKey: "database") {
            do {
                settings.database = try DatabaseLocation(parsing: text)
            } catch {
                throw Invalid(setting: "database (BAZAAR_DATABASE)", problem: "\(error)")
            }
        }
        settings.databasePoolSize = try integer(config, "database.pool", default: 20, in: 1...500)
        if let list = config.string(forKey: "modules") {
            var modules = Set<ModuleName>()
            for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
                guard let module = ModuleName(rawValue: name) else {
                    throw Invalid(
                        setting: "modules (BAZAAR_MODULES)",
                        problem: "unknown module '\(name)'; known: \(ModuleName.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                modules.insert(module)
            }
            guard !modules.isEmpty else { throw Invalid(setting: "modules (BAZAAR_MODULES)", problem: "name at least one module") }
            settings.modules = modules
        }
        if let level = config.string(forKey: "log.level") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw Invalid(
                    setting: "log.level (BAZAAR_LOG_LEVEL)", problem: "expected one of trace, debug, info, notice, warning, error, critical"
                )
            }
            settings.logLevel = parsed
        }
        settings.trustForwardedFor = config.bool(forKey: "trust.forwarded.for", default: false)
        do {
            settings.corsOrigins = try CORSOrigins.parse(config.string(forKey: "cors.origins", default: ""))
        } catch {
            throw Invalid(setting: "cors.origins (BAZAAR_CORS_ORIGINS)", problem: "\(error)")
        }
        settings.identity.adminEmail = config.string(forKey: "admin.email", default: settings.identity.adminEmail)
        settings.identity.adminPassword = config.string(forKey: "admin.password", isSecret: true)
        if let password = settings.identity.adminPassword, password.count < 8 || password.count > 256 {
            throw Invalid(setting: "admin.password (BAZAAR_ADMIN_PASSWORD)", problem: "must be 8 to 256 characters long")
        }
        settings.identity.accessTokenLifetime = TimeInterval(try integer(config, "access.token.seconds", default: 900, in: 60...86_400))
        settings.identity.bcryptCost = UInt8(try integer(config, "bcrypt.cost", default: 12, in: 4...31))
        settings.identity.publicBaseURL = config.string(forKey: "public.url", default: "http://\(settings.host):\(settings.port)")
        settings.walletCurrency = config.string(forKey: "wallet.currency", default: "USD")
        if settings.walletCurrency.count != 3 || !settings.walletCurrency.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            throw Invalid(
                setting: "wallet.currency (BAZAAR_WALLET_CURRENCY)",
                problem: "'\(settings.walletCurrency)' is not an ISO 4217 code such as USD")
        }
        if let text = config.string(forKey: "wallet.payments") {
            guard let flag = Bool(text.lowercased()) else {
                throw Invalid(setting: "wallet.payments (BAZAAR_WALLET_PAYMENTS)", problem: "expected true or false")
            }
            settings.walletPayments = flag
        }
        settings.notifications.pingInterval = .milliseconds(
            try integer(config, "socketio.ping.interval.ms", default: 25_000, in: 100...600_000))
        settings.notifications.pingTimeout = .milliseconds(
            try integer(config, "socketio.ping.timeout.ms", default: 20_000, in: 100...600_000))
        settings.authRequestsPerMinute = try integer(config, "rate.limit.auth.per.minute", default: 30, in: 0...1_000_000)
        settings.apiRequestsPerMinute = try integer(config, "rate.limit.api.per.minute", default: 600, in: 0...1_000_000)
        settings.realtimeConnectionsPerMinute = try integer(config, "rate.limit.realtime.per.minute", default: 60, in: 0...1_000_000)
        if let smtpURL = config.string(forKey: "smtp.url", isSecret: true) {
            do {
                settings.smtp = try SMTPSettings(
                    url: smtpURL, from: config.string(forKey: "smtp.from", default: "no-reply@localhost"),
                    caFile: config.string(forKey: "smtp.ca.file"))
            } catch {
                throw Invalid(setting: "smtp.url (BAZAAR_SMTP_URL)", problem: "\(error)")
            }
        }
        for module in ModuleName.allCases where module != .gateway {
            settings.moduleURLs[module] = try urls(config, "\(module.rawValue).url")
        }
        if let text = config.string(forKey: "graphql.introspection") {
            guard let flag = Bool(text.lowercased()) else {
                throw Invalid(setting: "graphql.introspection (BAZAAR_GRAPHQL_INTROSPECTION)", problem: "expected true or false")
            }
            settings.graphQLIntrospection = flag
        }
        settings.graphQLDepthLimit = try integer(config, "graphql.max.depth", default: 10, in: 2...50)
        settings.graphQLCostLimit = try integer(config, "graphql.max.cost", default: 5_000, in: 10...1_000_000)
        settings.imageMaxBytes = try integer(config, "image.max.bytes", default: 5 * 1024 * 1024, in: 1024...100 * 1024 * 1024)
        settings.upstreamHealthInterval = .milliseconds(
            try integer(config, "upstream.health.interval.ms", default: 1_000, in: 100...60_000))
        settings.gatewayTimeout = TimeInterval(try integer(config, "gateway.timeout.ms", default: 30_000, in: 100...600_000)) / 1000
        settings.connectionLimits.maxConnections = OpenFileLimit.connectionBudget(
            requested: try integer(config, "max.connections", default: 1_000, in: 8...1_000_000), reserved: settings.databasePoolSize + 64)
        settings.connectionLimits.headerTimeout = .milliseconds(
            Int64(try integer(config, "header.timeout.ms", default: 10_000, in: 100...600_000)))
        settings.connectionLimits.idleTimeout = .milliseconds(
            Int64(try integer(config, "idle.timeout.ms", default: 60_000, in: 100...3_600_000)))
        settings.kafka = try kafka(config)
        if let text = config.string(forKey: "kafka.logs") {
            guard let flag = Bool(text.lowercased()) else {
                throw Invalid(setting: "kafka.logs (BAZAAR_KAFKA_LOGS)", problem: "expected true or false")
            }
            guard !flag || settings.kafka != nil else {
                throw Invalid(setting: "kafka.logs (BAZAAR_KAFKA_LOGS)", problem: "needs Kafka brokers (--kafka-brokers)")
            }
            settings.kafkaLogs = flag
        }
        if let text = config.string(forKey: "event.transport") {
            guard let kind = EventTransportKind(rawValue: text.lowercased()) else {
                throw Invalid(setting: "event.transport (BAZAAR_EVENT_TRANSPORT)", problem: "expected log or kafka")
            }
            guard kind == .log || settings.kafka != nil else {
                throw Invalid(setting: "event.transport (BAZAAR_EVENT_TRANSPORT)", problem: "kafka needs Kafka brokers (--kafka-brokers)")
            }
            settings.eventTransport = kind
        }
        let needsCatalog = settings.modules.contains(.cart) || settings.modules.contains(.ordering)
        if needsCatalog && !settings.modules.contains(.catalog) && settings.moduleURLs[.catalog] == nil {
            throw Invalid(
                setting: "catalog.url (BAZAAR_CATALOG_URL)", problem: "cart and ordering need catalog: serve it here or give its base URL")
        }
        return settings
    }

    private static func kafka(_ config: ConfigReader) throws -> KafkaRelaySettings? {
        // Checked even without brokers: a wrong prefix is wrong before Kafka is turned on.
        let prefix = config.string(forKey: "kafka.topic.prefix", default: "bazaar.")
        guard KafkaRelaySettings.isValidPrefix(prefix) else {
            throw Invalid(
                setting: "kafka.topic.prefix (BAZAAR_KAFKA_TOPIC_PREFIX)",
                problem: "'\(prefix)' has characters Kafka refuses in topic names (letters, digits, '.', '_', '-' only)")
        }
        guard let text = config.string(forKey: "kafka.brokers"), !text.isEmpty else { return nil }
        guard let brokers = KafkaRelaySettings.parseBrokers(text) else {
            throw Invalid(setting: "kafka.brokers (BAZAAR_KAFKA_BROKERS)", problem: "'\(text)' is not a list of host:port")
        }
        var kafka = KafkaRelaySettings(brokers: brokers)
        kafka.topicPrefix = prefix
        kafka.partitions = try integer(config, "kafka.partitions", default: 6, in: 1...10_000)
        kafka.replicationFactor = try integer(config, "kafka.replication.factor", default: -1, in: -1...100)
        kafka.deliveryTimeout = .milliseconds(try integer(config, "kafka.delivery.timeout.ms", default: 30_000, in: 1_000...3_600_000))
        kafka.librdkafkaDebug = config.string(forKey: "kafka.debug")
        kafka.sessionTimeout = .milliseconds(try integer(config, "kafka.session.timeout.ms", default: 10_000, in: 6_000...300_000))
        return kafka
    }

    private static func urls(_ config: ConfigReader, _ key: String) throws -> [URL]? {
        guard let text = config.string(forKey: ConfigKey(key)) else { return nil }
        return try text.split(separator: ",").map { part in
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let url = URL(string: text), let scheme = url.scheme, scheme == "http" || scheme == "https", url.host != nil else {
                let environmentName = "BAZAAR_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
                throw Invalid(setting: "\(key) (\(environmentName))", problem: "'\(text)' is not an http(s) URL")
            }
            return url
        }
    }

    private static func integer(_ config: ConfigReader, _ key: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        let environmentName = "BAZAAR_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
        guard let text = config.string(forKey: ConfigKey(key)) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw Invalid(
                setting: "\(key) (\(environmentName))", problem: "'\(text)' is not an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }
}
