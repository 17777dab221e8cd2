public import Foundation
public import Hummingbird
public import HTTPTypes
import Metrics
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

/// Applies a policy by route group: `auth` for `/api/v1/auth/…` (strict, per client address:
/// it guards passwords), `api` for the rest of `/api/v1` (per user when authenticated, else per
/// address). Every answer carries `RateLimit-Policy` and `RateLimit`; a refusal is a 429
/// problem with `Retry-After`. Operational endpoints are not limited.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = BazaarRequestContext
    let limiter: RateLimiter
    let auth: RateLimitPolicy?
    let api: RateLimitPolicy?

    public init(limiter: RateLimiter, auth: RateLimitPolicy?, api: RateLimitPolicy?) {
        self.limiter = limiter
        self.auth = auth
        self.api = api
        // Refusal counters start at 0 for each active policy (see JobWorkerService.run).
        for policy in [auth, api].compactMap({ $0 }) {
            Counter(label: "bazaar_rate_limited_total", dimensions: [("policy", policy.name)]).increment(by: 0)
        }
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let policy: RateLimitPolicy?
        let key: String
        if path.hasPrefix("/api/v1/auth/") {
            (policy, key) = (auth, "address:\(context.clientAddress)")
        } else if path.hasPrefix("/api/v1/") {
            (policy, key) = (api, context.user.map { "user:\($0.id)" } ?? "address:\(context.clientAddress)")
        } else {
            (policy, key) = (nil, "")
        }
        guard let policy else { return try await next(request, context) }
        let decision = limiter.take("\(policy.name)|\(key)", policy: policy)
        let headers: HTTPFields = [.rateLimitPolicy: policy.header, .rateLimit: "\"\(policy.name)\";r=\(decision.remaining);t=\(decision.reset)"]
        guard decision.allowed else {
            Counter(label: "bazaar_rate_limited_total", dimensions: [("policy", policy.name)]).increment()
            var refusal = headers
            refusal[.retryAfter] = String(decision.reset)
            throw Problem(.tooManyRequests, detail: "Rate limit \(policy.name) exceeded: \(policy.limit) requests per \(Int(policy.window)) s.", headers: refusal)
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

extension HTTPField.Name {
    public static let rateLimit = HTTPField.Name("RateLimit")!
    public static let rateLimitPolicy = HTTPField.Name("RateLimit-Policy")!
}
