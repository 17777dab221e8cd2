/// The one way tests wait for what consumers, jobs or other processes deliver: ask again every
/// 20 ms until the answer comes, and fail naming what never happened.
///
/// The default wait is generous (30 s): the suite's tests share one PostgreSQL cluster, and the
/// event log hands out nothing newer than the cluster's oldest open transaction, whichever
/// test's it is. With the suite starting a dozen tests at once on two cores, a transaction can
/// stay open for seconds while its task waits for a thread, and every consumer of every test on
/// PostgreSQL waits with it (CI saw 10-s waits on consumers time out on PostgreSQL in tests that pass alone).

/// Polls `produce` until it yields a value.
public func poll<T>(_ what: String, timeout: Duration = .seconds(30), _ produce: () async throws -> T?) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await produce() { return value }
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Polls `condition` until it holds.
public func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
    _ = try await poll(what, timeout: timeout) { try await condition() ? true : nil }
}

public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public var description: String { "timed out waiting for \(what)" }
    public init(what: String) { self.what = what }
}
