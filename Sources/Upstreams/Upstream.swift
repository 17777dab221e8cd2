public import Foundation
import Metrics
import Synchronization

/// One process serving a module, and whether it is taking requests: marked down when a call
/// cannot reach it or its health check fails, up again when a health check passes.
public final class UpstreamEndpoint: Sendable, CustomStringConvertible {
    /// The base URL without a trailing slash; a call's target (`/api/v1/…`) is appended.
    public let baseURL: String
    private let healthy = Atomic<Bool>(true)
    private let gauge: Gauge

    init(module: String, baseURL: URL) {
        let text = baseURL.absoluteString
        self.baseURL = text.hasSuffix("/") ? String(text.dropLast()) : text
        gauge = Gauge(label: "bazaar_upstream_healthy", dimensions: [("module", module), ("endpoint", self.baseURL)])
        gauge.record(1)
    }

    public var isHealthy: Bool { healthy.load(ordering: .relaxed) }

    /// Records the state; true when it changed (for a log line on the transition only).
    @discardableResult
    func mark(healthy state: Bool) -> Bool {
        let changed = healthy.exchange(state, ordering: .relaxed) != state
        if changed { gauge.record(state ? 1 : 0) }
        return changed
    }

    public var description: String { baseURL }
}

/// A module served by other processes (`BAZAAR_CATALOG_URL=http://a,http://b`): calls are
/// spread round-robin over the endpoints that are up.
public final class Upstream: Sendable {
    public let name: String
    public let endpoints: [UpstreamEndpoint]
    private let turn = Atomic<Int>(0)

    public init(name: String, baseURLs: [URL]) {
        precondition(!baseURLs.isEmpty, "an upstream needs at least one URL")
        self.name = name
        endpoints = baseURLs.map { UpstreamEndpoint(module: name, baseURL: $0) }
    }

    /// The endpoints a call tries, in order: the healthy ones starting with the next in turn,
    /// then those marked down. A process marked down may be back before its next health check,
    /// and trying it last is better than answering 502 while it is the only one.
    public func candidates() -> [UpstreamEndpoint] {
        if endpoints.count == 1 { return endpoints }
        let start = Int(UInt(bitPattern: turn.add(1, ordering: .relaxed).oldValue) % UInt(endpoints.count))
        let rotated = (0..<endpoints.count).map { endpoints[(start + $0) % endpoints.count] }
        return rotated.filter(\.isHealthy) + rotated.filter { !$0.isHealthy }
    }
}
