public import Foundation
public import HTTPTypes
public import Hummingbird
import Metrics
import PlatformCore
import Synchronization

/// A token-bucket policy: `limit` requests per `window`, refilled continuously.
public struct RateLimitPolicy: Sendable, Equatable {
    public let name: String
    public let limit: Int
    public let window: TimeInterval

    public init(name: String, limit: Int, window: TimeInterval = 60) {
        self.name = name
        self.limit = limit
        self.window = window
    }

    /// `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): `"name";q=limit;w=window`.
    var header: String { "\"\(name)\";q=\(limit);w=\(Int(window))" }
}

/// Token buckets in this process's memory, keyed by caller (user id, else client address) and
/// policy. A process limits only its own traffic: behind several processes the effective limit
/// is the sum.
public final class RateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: Date
    }

    public struct Decision: Sendable {
        public let allowed: Bool
        public let remaining: Int
        /// Seconds until a token is back (when refused) or until the bucket is full (when allowed).
        public let reset: Int
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock: any WallClock
    /// Above this many buckets, full ones are dropped (they carry no state worth keeping).
    private let pruneAbove: Int

    public init(clock: any WallClock, pruneAbove: Int = 50_000) {
        self.clock = clock
        self.pruneAbove = pruneAbove
    }

    public func take(_ key: String, policy: RateLimitPolicy) -> Decision {
        let now = clock.now()
        let rate = Double(policy.limit) / policy.window
        return buckets.withLock { buckets in
            if buckets.count > pruneAbove {
                buckets = buckets.filter { $0.value.tokens + now.timeIntervalSince($0.value.updated) * rate < Double(policy.limit) }
            }
            var bucket = buckets[key] ?? Bucket(tokens: Double(policy.limit), updated: now)
            bucket.tokens = min(Double(policy.limit), bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[key] = bucket
            let reset = allowed ? (Double(policy.limit) - bucket.tokens) / rate : (1 - bucket.tokens) / rate
            return Decision(allowed: allowed, remaining: Int(bucket.tokens), reset: max(allowed ? 0 : 1, Int(reset.rounded(.up))))
        }
    }
}

/// Which policy and bucket a request falls under: `auth` for `/api/v1/auth/…` (strict, per
/// client address: it guards passwords), `realtime` for opening a realtime connection (the
/// WebSocket stream, a Socket.IO handshake; per address, since a socket may say who it is only
/// after it opened), `api` for the rest of `/api/v1` (per user when authenticated, else per
/// address). Operational endpoints and an open Socket.IO session's traffic are not limited.
public struct RateLimitRules: Sendable {
    let limiter: RateLimiter
    let auth: RateLimitPolicy?
    let api: RateLimitPolicy?
    let realtime: RateLimitPolicy?

    public init(limiter: RateLimiter, auth: RateLimitPolicy?, api: RateLimitPolicy?, realtime: RateLimitPolicy?) {
        self.limiter = limiter
        self.auth = auth
        self.api = api
        self.realtime = realtime
        // Refusal counters start at 0 for each active policy (see JobWorkerService.run).
        for policy in [auth, api, realtime].compactMap({ $0 }) {
            Counter(label: "bazaar_rate_limited_total", dimensions: [("policy", policy.name)]).increment(by: 0)
        }
    }

    /// The policy and bucket key of a request; nil when it is not limited.
    func bucket(for request: Request, user: AuthenticatedUser?, clientAddress: String) -> (policy: RateLimitPolicy, key: String)? {
        let path = request.uri.path
        let opensRealtime =
            path == "/api/v1/notifications/stream"
            || (path == "/socket.io" || path == "/socket.io/") && request.uri.queryParameters["sid"] == nil
        let chosen: (RateLimitPolicy?, String) =
            if opensRealtime {
                (realtime, "address:\(clientAddress)")
            } else if path.hasPrefix("/api/v1/auth/") {
                (auth, "address:\(clientAddress)")
            } else if path.hasPrefix("/api/v1/") {
                (api, user.map { "user:\($0.id)" } ?? "address:\(clientAddress)")
            } else {
                (nil, "")
            }
        return chosen.0.map { ($0, "\($0.name)|\(chosen.1)") }
    }

    func take(_ bucket: (policy: RateLimitPolicy, key: String)) -> RateLimiter.Decision {
        limiter.take(bucket.key, policy: bucket.policy)
    }
}

/// Applies `RateLimitRules` to HTTP requests. Every limited answer carries `RateLimit-Policy`
/// and `RateLimit`; a refusal is a 429 problem with `Retry-After`.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = BazaarRequestContext
    let rules: RateLimitRules

    public init(rules: RateLimitRules) {
        self.rules = rules
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let bucket = rules.bucket(for: request, user: context.user, clientAddress: context.clientAddress) else {
            return try await next(request, context)
        }
        let policy = bucket.policy
        let decision = rules.take(bucket)
        let headers: HTTPFields = [
            .rateLimitPolicy: policy.header, .rateLimit: "\"\(policy.name)\";r=\(decision.remaining);t=\(decision.reset)",
        ]
        guard decision.allowed else {
            Counter(label: "bazaar_rate_limited_total", dimensions: [("policy", policy.name)]).increment()
            var refusal = headers
            refusal[.retryAfter] = String(decision.reset)
            throw Problem(
                .tooManyRequests, detail: "Rate limit \(policy.name) exceeded: \(policy.limit) requests per \(Int(policy.window)) s.",
                headers: refusal)
        }
        do {
            var response = try await next(request, context)
            response.headers.append(contentsOf: headers)
            return response
        } catch let problem as Problem {
            throw problem.adding(headers: headers)
        }
    }
}

/// The same rules on the WebSocket router, whose upgrades never reach the HTTP middleware. A
/// refused upgrade is not upgraded: it falls through to the HTTP router, where the bucket (now
/// empty) refuses it again and answers the 429 with its headers.
public struct RealtimeRateLimitMiddleware: RouterMiddleware {
    public typealias Context = RealtimeRequestContext
    let rules: RateLimitRules
    let trustForwardedFor: Bool

    public init(rules: RateLimitRules, trustForwardedFor: Bool) {
        self.rules = rules
        self.trustForwardedFor = trustForwardedFor
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let address = ClientAddress.of(request, remote: context.remoteAddress, trustForwardedFor: trustForwardedFor)
        if let bucket = rules.bucket(for: request, user: nil, clientAddress: address), !rules.take(bucket).allowed {
            throw Problem(.tooManyRequests)
        }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    public static let rateLimit = HTTPField.Name("RateLimit")!
    public static let rateLimitPolicy = HTTPField.Name("RateLimit-Policy")!
}
