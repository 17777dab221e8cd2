public import Foundation
import Synchronization

/// Wall-clock time, injected so that tests can move it (token expiry, throttling windows,
/// cron schedules, retry backoff).
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock tests move by hand.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Date>
    public init(_ start: Date = Date()) { current = Mutex(start) }
    public func now() -> Date { current.withLock { $0 } }
    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

extension Date {
    /// Timestamps are stored as integer milliseconds since 1970 on both engines.
    public var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
    public init(millisecondsSince1970 ms: Int64) { self.init(timeIntervalSince1970: TimeInterval(ms) / 1000) }
}

extension Duration {
    /// Whole milliseconds (for settings and messages that speak in milliseconds).
    public var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
