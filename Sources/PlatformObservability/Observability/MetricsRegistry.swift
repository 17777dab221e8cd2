import Metrics
import PlatformEvents
public import Prometheus
import Synchronization

/// The process-wide Prometheus registry. swift-metrics can be bootstrapped once per process, so
/// every application built in this process (tests build many) shares it.
public enum BazaarMetrics {
    private static let bootstrapped = Mutex<PrometheusCollectorRegistry?>(nil)

    public static var registry: PrometheusCollectorRegistry {
        bootstrapped.withLock { current in
            if let current { return current }
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            factory.defaultDurationHistogramBuckets = [
                .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
            ]
            // Hummingbird names its metrics with dots; Prometheus allows only [a-zA-Z0-9_:].
            factory.nameAndLabelSanitizer = { name, labels in
                let renamed = renamedMetrics[name] ?? name
                return (sanitize(renamed), labels.map { (sanitize($0.0), $0.1) })
            }
            MetricsSystem.bootstrap(factory)
            current = registry
            return registry
        }
    }

    private static let renamedMetrics = [
        "hb.requests": "bazaar_http_requests_total",
        "hb.request.errors": "bazaar_http_request_errors_total",
        "http.server.request.duration": "bazaar_http_request_duration_seconds",
        "http.server.active_requests": "bazaar_http_active_requests",
    ]

    private static func sanitize(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" ? $0 : "_" })
    }

    /// Renders the registry in the Prometheus text format, with a `# HELP` line before each
    /// family (metrics made through swift-metrics carry no help text; `promtool check metrics`
    /// wants one).
    public static func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        var lines: [Substring] = []
        for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.dropFirst(7).split(separator: " ").first {
                lines.append("# HELP \(name) \(help[String(name)] ?? String(name).replacingOccurrences(of: "_", with: " "))")
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// Every metric family Bazaar exposes (the dashboard must show them all).
    public static var families: [String] { help.keys.sorted() }

    static let help = [
        "bazaar_http_requests_total": "HTTP requests answered, by route, method and status.",
        "bazaar_http_request_errors_total": "HTTP requests that ended in an error, by route and method.",
        "bazaar_http_request_duration_seconds": "Time to answer HTTP requests, by route, method and status.",
        "bazaar_http_active_requests": "HTTP requests being answered now.",
        "bazaar_dead_letters": "Events and jobs parked after failing too often.",
        "bazaar_event_consumer_lag_events": "Events waiting for each durable consumer.",
        "bazaar_event_consumer_lag_seconds":
            "How long the oldest event waiting for each durable consumer has waited (0 when caught up); the saga's lag is its consumers' lag.",
        "bazaar_events_consumed_total": "Events applied, by consumer.",
        "bazaar_kafka_relay_lag_events": "Committed events not yet confirmed by Kafka (with Kafka brokers set).",
        "bazaar_kafka_relay_lag_seconds": "How long the oldest event not yet confirmed by Kafka has waited (0 when caught up).",
        "bazaar_kafka_relay_published_events_total": "Events Kafka confirmed, published by this process while it held the relay's lease.",
        "bazaar_jobs_queued": "Jobs waiting or running.",
        "bazaar_jobs_failed": "Jobs that ran out of attempts.",
        "bazaar_jobs_completed_total": "Jobs completed, by kind.",
        "bazaar_jobs_failed_total": "Job attempts that failed, by kind.",
        "bazaar_realtime_connections": "Open realtime connections (WebSocket stream and Socket.IO) on this process.",
        "bazaar_gateway_realtime_connections": "Realtime connections this gateway relays to a Notifications process.",
        "bazaar_graphql_operations_total": "GraphQL operations, by type (query, mutation) and outcome (ok, partial, refused).",
        "bazaar_graphql_errors_total": "GraphQL errors, by code.",
        "bazaar_orders": "Orders by status, counted in the Ordering tables when scraped.",
        "bazaar_rate_limited_total": "Requests refused by a rate limit, by policy.",
        "bazaar_cache_requests_total": "Cache lookups, by cache and result (hit or miss).",
    ]
}
