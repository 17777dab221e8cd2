import Hummingbird
import Synchronization

/// Which methods the router answers on each path, so that a request with another method on a
/// known path is a 405 naming the allowed ones (RFC 9110 §15.5.6) rather than a 404 that says
/// the resource does not exist. Filled once every route is registered.
public final class RouteMethods: Sendable {
    private struct Pattern: Sendable {
        let segments: [Substring]
        let method: String
    }
    private let patterns = Mutex<[Pattern]>([])

    public init() {}

    /// `routes` as "METHOD /path/{parameter}" pairs (`router.routes` mapped).
    public func load(_ routes: [(method: String, path: String)]) {
        patterns.withLock { $0 = routes.map { Pattern(segments: $0.path.split(separator: "/"), method: $0.method) } }
    }

    /// The methods routed for `path`, sorted; empty when no route has this path.
    public func allowed(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        let methods = patterns.withLock { patterns in patterns.filter { Self.matches($0.segments, segments) }.map(\.method) }
        return Set(methods).sorted()
    }

    private static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        for (index, part) in pattern.enumerated() {
            if part == "**" { return true }
            guard index < path.count else { return false }
            if part == "*" || part.hasPrefix("{") || part.hasPrefix(":") { continue }
            if part != path[index] { return false }
        }
        return pattern.count == path.count
    }
}
