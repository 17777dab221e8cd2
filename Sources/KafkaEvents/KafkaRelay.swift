import Foundation
import Kafka
public import Logging
import Metrics
public import PlatformCore
public import PlatformDatabase
import PlatformEvents
public import PlatformObservability
public import ServiceLifecycle
import Synchronization

/// Publishes every committed event to Kafka, in log order, at least once: the event log stays
/// the source of truth and Kafka is how events leave it.
///
/// Each round reads a batch after the stored position, sends it, and moves the position only
/// past the events Kafka confirmed (a crash between send and confirmation re-sends; consumers
/// dedupe by the `event-id` header). While Kafka is unreachable events wait in the log, the
/// shop keeps selling, and the relay retries with backoff; nothing at start-up waits for Kafka.
public final class KafkaRelay: Service, StatusReporting {
    public let settings: KafkaRelaySettings
    private let log: EventLog
    private let lease: RelayLease
    private let producer: KafkaProducer
    private let logger: Logger
    private let state = Mutex(RelayState())
    private let published = Counter(label: "bazaar_kafka_relay_published_events_total")
    static let saveInterval = Duration.milliseconds(250)
    private let lagCache = Mutex<(at: ContinuousClock.Instant, lag: (events: Int, seconds: Double))?>(nil)

    struct RelayState {
        var phase = "starting"
        var lastError: String?
        var publishedEvents = 0
    }

    /// Fails at once on what start-up should refuse (librdkafka missing, a setting it rejects);
    /// does not connect.
    public init(settings: KafkaRelaySettings, database: any Database, clock: any WallClock, logger: Logger) throws {
        self.settings = settings
        self.log = EventLog(database: database, clock: clock)
        self.lease = RelayLease(
            name: "kafka", owner: "\(ProcessInfo.processInfo.hostName)/\(getpid())/\(UUID().uuidString.prefix(8))", database: database,
            clock: clock, duration: .seconds(15))
        self.producer = try KafkaProducer(
            brokers: settings.brokers.joined(separator: ","),
            options: settings.clientOptions.merging(["message.timeout.ms": String(settings.deliveryTimeout.milliseconds)]) { _, new in new }
        )
        self.logger = logger
    }

    public func run() async throws {
        logger.info(
            "Kafka relay started",
            metadata: ["brokers": "\(settings.brokers.joined(separator: ","))", "librdkafka": "\(producer.libraryVersion)"])
        var topicsCreated = Set<String>()
        var backoff = Duration.milliseconds(200)
        // The lease this process believes it holds, and how far it has published. The position
        // is saved at most every `saveInterval` (and before the lease is renewed or given up):
        // a crash re-sends at most that much, which at-least-once allows, and a busy log costs
        // one write transaction per interval instead of one per batch.
        var held: (position: EventPosition, renewBy: ContinuousClock.Instant)?
        var unsaved = false
        var lastSaved = ContinuousClock.now
        func save() async throws {
            guard unsaved, let position = held?.position else { return }
            try await lease.advance(to: position)
            unsaved = false
            lastSaved = .now
        }
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let seen = log.database.changes.generation(for: nil)
                do {
                    if held == nil || ContinuousClock.now >= held!.renewBy {
                        try await save()
                        guard let stored = try await lease.claim() else {
                            held = nil
                            setPhase("standby: another process publishes")
                            try await Task.sleep(for: .seconds(5))
                            continue
                        }
                        // Another holder may have gone further meanwhile; never go back.
                        held = (max(stored, held?.position ?? stored), .now + lease.duration / 3)
                    }
                    let batch = try await log.read(after: held!.position, limit: settings.batchSize)
                    if batch.isEmpty {
                        try await save()
                        setPhase("publishing")
                        await log.database.changes.wait(after: seen, topics: nil, timeout: .seconds(1))
                        continue
                    }
                    let topics = Set(batch.map { settings.topic(for: $0.type) }).subtracting(topicsCreated)
                    if !topics.isEmpty {
                        try await producer.createTopics(
                            topics.sorted(), partitions: settings.partitions, replicationFactor: settings.replicationFactor,
                            timeout: .seconds(10))
                        topicsCreated.formUnion(topics)
                    }
                    let deliveries = await producer.send(batch.map(record(for:)))
                    let delivered = deliveries.prefix { $0 == nil }.count
                    if delivered > 0 {
                        held!.position = batch[delivered - 1].position
                        unsaved = true
                        published.increment(by: delivered)
                        state.withLock { $0.publishedEvents += delivered }
                        if ContinuousClock.now - lastSaved >= Self.saveInterval { try await save() }
                    }
                    if delivered < batch.count, let failure = deliveries[delivered] {
                        throw failure
                    }
                    setPhase("publishing")
                    backoff = .milliseconds(200)
                } catch {
                    if Task.isCancelled { break }
                    // A broker that lost its topics (restarted without storage, or topics
                    // deleted) needs them again: creating an existing topic costs one round trip.
                    topicsCreated.removeAll()
                    let text = producer.lastError.map { "\(error); \($0)" } ?? "\(error)"
                    if state.withLock({ $0.lastError }) != text {
                        logger.warning("Kafka relay cannot publish; events wait in the log", metadata: ["error": "\(text)"])
                    }
                    state.withLock {
                        $0.phase = "waiting for Kafka"
                        $0.lastError = text
                    }
                    try? await Task.sleep(for: backoff)
                    backoff = min(backoff * 2, .seconds(5))
                }
            }
        } onGracefulShutdown: { [producer] in
            producer.abandonWaitingSends(with: .broker(code: -1, message: "shutting down"))
        }
        try? await save()
        try? await lease.release()
        producer.close()
    }

    /// The event as Kafka carries it: keyed by its aggregate, the stored JSON as the value.
    func record(for event: EventEnvelope) -> KafkaRecord {
        var headers: [(name: String, value: String)] = [
            ("event-id", event.id), ("event-type", event.type), ("event-version", String(event.version)),
            ("occurred-at", event.occurredAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))),
        ]
        if let requestID = event.requestID { headers.append(("request-id", requestID)) }
        return KafkaRecord(
            topic: settings.topic(for: event.type), key: event.aggregateID ?? event.id, value: Array(event.payload.utf8), headers: headers)
    }

    private func setPhase(_ phase: String) {
        state.withLock {
            $0.phase = phase
            if phase == "publishing" { $0.lastError = nil }
        }
    }

    // MARK: StatusReporting

    public var statusName: String { "kafka" }

    public func status() async -> JSONValue {
        let current = state.withLock { $0 }
        var report: [String: JSONValue] = [
            "state": .string(current.phase), "publishedEvents": .number(Double(current.publishedEvents)),
        ]
        if let waiting = await recentLag() {
            report["lagEvents"] = .number(Double(waiting.events))
            report["lagSeconds"] = .number(waiting.seconds)
        }
        if let error = current.lastError { report["lastError"] = .string(error) }
        return .object(report)
    }

    public func refreshGauges() async {
        guard let waiting = await recentLag() else { return }
        Gauge(label: "bazaar_kafka_relay_lag_events").record(waiting.events)
        Gauge(label: "bazaar_kafka_relay_lag_seconds").record(waiting.seconds)
    }

    /// `lag()` at most once a second: every process is asked `/health/ready` that often (the
    /// gateway's health checks, the orchestrator), and with Kafka down for long the count walks
    /// every event waiting.
    private func recentLag() async -> (events: Int, seconds: Double)? {
        if let cached = lagCache.withLock({ $0 }), ContinuousClock.now - cached.at < .seconds(1) { return cached.lag }
        guard let lag = try? await lag() else { return nil }
        lagCache.withLock { $0 = (.now, lag) }
        return lag
    }

    /// Events not yet confirmed by Kafka, and how long the oldest has waited.
    public func lag() async throws -> (events: Int, seconds: Double) {
        let waiting = try await log.waiting(after: try await lease.position())
        let seconds = waiting.oldest.map { max(0, log.clock.now().timeIntervalSince($0)) } ?? 0
        return (waiting.count, seconds)
    }
}
