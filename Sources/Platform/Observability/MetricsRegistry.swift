import Metrics
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

    /// Renders the registry in the Prometheus text format.
    public static func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
