import Foundation
public import Hummingbird
import Metrics
import Platform
import PlatformAuth
import PlatformCore
import PlatformDatabase
import PlatformEvents
import PlatformHTTP
import PlatformMail

/// Health, metrics and the admin views of the platform: recent events, dead letters (with
/// replay), the audit log and the outgoing mail log.
public struct OperationsRoutes: Sendable {
    let database: any Database
    let log: EventLog
    let deadLetters: DeadLetterStore
    let jobs: JobQueue
    let audit: AuditLog
    let consumers: EventConsumerService
    let isReady: @Sendable () async -> Bool
    let modules: [any BazaarModule]
    let components: [any StatusReporting]

    public init(
        database: any Database, clock: any WallClock, consumers: EventConsumerService, modules: [any BazaarModule],
        components: [any StatusReporting] = [], isReady: @escaping @Sendable () async -> Bool
    ) {
        self.modules = modules
        self.components = components
        self.database = database
        self.log = EventLog(database: database, clock: clock)
        self.deadLetters = DeadLetterStore(database: database, clock: clock)
        self.jobs = JobQueue(database: database, clock: clock)
        self.audit = AuditLog(database: database, clock: clock)
        self.consumers = consumers
        self.isReady = isReady
    }

    public func addPublicRoutes(to router: Router<BazaarRequestContext>) {
        router.get("/health/live") { _, _ in HealthStatus(status: "ok") }
        router.get("/health/ready") { _, _ -> Response in
            let ready = await isReady()
            var details: [String: JSONValue] = [:]
            for component in components { details[component.statusName] = await component.status() }
            let body = try JSONEncoder().encode(
                HealthStatus(status: ready ? "ok" : "unavailable", components: details.isEmpty ? nil : details))
            return Response(
                status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/metrics") { _, _ -> Response in
            await refreshGauges()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: BazaarMetrics.render())))
        }
    }

    public func addAdminRoutes(to admin: RouterGroup<AdminContext>) {
        admin.get("events") { request, _ -> ListResponse<EventView> in
            let limit = try Paging.limit(from: request)
            let type = request.uri.queryParameters["type"].map(String.init)
            return ListResponse(items: try await log.recent(type: type, limit: limit).map(EventView.init), nextCursor: nil)
        }
        admin.get("dead-letters") { request, _ -> ListResponse<DeadLetter> in
            ListResponse(items: try await deadLetters.list(limit: try Paging.limit(from: request)), nextCursor: nil)
        }
        admin.post("dead-letters/{id}/replay") { _, context -> Response in
            guard let id = Int64(context.parameters.get("id") ?? "") else { throw Problem.notFound("Dead letter") }
            guard let letter = try await deadLetters.find(id: id) else { throw Problem.notFound("Dead letter") }
            if letter.source == "job", let jobID = Int64(letter.eventID) {
                try await jobs.requeue(jobID: jobID, deadLetterID: id)
            } else {
                try await consumers.replay(deadLetterID: id)
            }
            return Response(status: .noContent)
        }
        admin.get("audit") { request, _ -> ListResponse<AuditEntry> in
            let limit = try Paging.limit(from: request)
            var before: Int64?
            if let cursor = request.uri.queryParameters["cursor"], !cursor.isEmpty {
                guard let id = Int64(cursor), id > 0 else {
                    throw Problem.badRequest(
                        "Invalid query parameter.", errors: [FieldError(field: "cursor", message: "is not a cursor this API returned")])
                }
                before = id
            }
            let entries = try await audit.list(
                action: request.uri.queryParameters["action"].map(String.init),
                actorID: request.uri.queryParameters["actorId"].map(String.init),
                before: before, limit: limit + 1)
            let page = Array(entries.prefix(limit))
            return ListResponse(items: page, nextCursor: entries.count > limit ? page.last?.id.map(String.init) : nil)
        }
        admin.get("mail") { request, _ -> ListResponse<LoggedMail> in
            let to = request.uri.queryParameters["to"].map { String($0).lowercased() }
            return ListResponse(
                items: try await MailLog(database: database).recent(to: to, limit: try Paging.limit(from: request)), nextCursor: nil)
        }
    }

    private func refreshGauges() async {
        guard let count = try? await deadLetters.count() else { return }
        Gauge(label: "bazaar_dead_letters").record(count)
        if let counts = try? await jobs.counts() {
            Gauge(label: "bazaar_jobs_queued").record(counts.queued)
            Gauge(label: "bazaar_jobs_failed").record(counts.failed)
        }
        for handler in consumers.handlers {
            if let lag = try? await consumers.lag(of: handler) {
                Gauge(label: "bazaar_event_consumer_lag_events", dimensions: [("consumer", handler.name)]).record(lag)
            }
            if let seconds = try? await consumers.lagSeconds(of: handler) {
                Gauge(label: "bazaar_event_consumer_lag_seconds", dimensions: [("consumer", handler.name)]).record(seconds)
            }
        }
        for module in modules { await module.refreshGauges() }
        for component in components { await component.refreshGauges() }
    }
}

struct HealthStatus: ResponseEncodable {
    let status: String
    /// Parts that do not decide readiness but that an operator wants to see (the Kafka relay).
    var components: [String: JSONValue]? = nil
}

/// A part of the process that reports its state in `/health/ready` and its gauges in `/metrics`
/// without deciding readiness: Kafka being down must not take the shop off the load balancer.
public protocol StatusReporting: Sendable {
    var statusName: String { get }
    func status() async -> JSONValue
    func refreshGauges() async
}

public struct EventView: ResponseEncodable, Sendable {
    public let id: String
    public let type: String
    public let version: Int
    public let payload: JSONValue
    public let occurredAt: Date

    init(_ event: EventEnvelope) {
        id = event.id
        type = event.type
        version = event.version
        payload = (try? JSONDecoder().decode(JSONValue.self, from: Data(event.payload.utf8))) ?? .string(event.payload)
        occurredAt = event.occurredAt
    }
}
