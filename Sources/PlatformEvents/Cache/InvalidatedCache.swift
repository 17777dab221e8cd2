public import Foundation
public import Logging
import Metrics
import PlatformCore
public import ServiceLifecycle
import Synchronization

/// Answers kept in this process's memory until the data behind them changes. Any change empties
/// it: this process's own writes right after they commit, other processes' writes when their
/// events reach a `CacheInvalidation` service. Entries are stamped with the generation current
/// *before* their read, so a read that raced an invalidation is never served afterwards.
/// Catalog keeps product answers in one; the gateway keeps the module answers it fronts.
public final class InvalidatedCache: Sendable {
    private struct Entry {
        let value: any Sendable
        let generation: UInt64
        let storedAt: Date
    }

    private struct State {
        var generation: UInt64 = 0
        var entries: [String: Entry] = [:]
        /// While a write is between its first change and its commit, answers bypass the cache
        /// (a read then could see either side of the commit). Bounded, in case a rollback never
        /// reports back.
        var bypassUntil = ContinuousClock.now
    }

    private let state = Mutex(State())
    private let clock: any WallClock
    /// A safety net: nothing stays longer than this even if an invalidation were missed.
    let lifetime: TimeInterval
    let capacity: Int
    /// The `cache` label of its hit/miss counters.
    let name: String
    /// Made once: looking a counter up in the metrics registry on every request costs more than
    /// the cache hit it counts.
    private let hits: Counter
    private let misses: Counter

    public init(name: String, clock: any WallClock, lifetime: TimeInterval = 60, capacity: Int = 10_000) {
        self.name = name
        self.clock = clock
        self.lifetime = lifetime
        self.capacity = capacity
        hits = Counter(label: "bazaar_cache_requests_total", dimensions: [("cache", name), ("result", "hit")])
        misses = Counter(label: "bazaar_cache_requests_total", dimensions: [("cache", name), ("result", "miss")])
    }

    public func value<Value: Sendable>(_ key: String, fill: () async throws -> Value) async throws -> Value {
        // `fill` answers for the key, so the answer has it.
        try await values([key]) { _ in [key: try await fill()] }[key]!
    }

    /// The values of `keys`: those in memory, and the rest from one call of `fill` with the keys
    /// missing, which are then kept. A key `fill` leaves out is absent from the answer (and not
    /// kept: a product that does not exist yet is looked up again next time).
    public func values<Value: Sendable>(
        _ keys: [String], fill: ([String]) async throws -> [String: Value]
    ) async throws -> [String: Value] {
        let now = clock.now()
        let (found, generation, bypass) = state.withLock { state -> ([String: Value], UInt64, Bool) in
            if state.bypassUntil > .now { return ([:], state.generation, true) }
            var found: [String: Value] = [:]
            for key in keys {
                guard let entry = state.entries[key], entry.generation == state.generation,
                    now.timeIntervalSince(entry.storedAt) < lifetime, let value = entry.value as? Value
                else { continue }
                found[key] = value
            }
            return (found, state.generation, false)
        }
        if bypass { return try await fill(keys) }
        if !found.isEmpty { hits.increment(by: found.count) }
        let missing = keys.filter { found[$0] == nil }
        guard !missing.isEmpty else { return found }
        misses.increment(by: missing.count)
        let filled = try await fill(missing)
        state.withLock { state in
            guard state.generation == generation else { return }  // invalidated while reading
            if state.entries.count + filled.count > capacity { state.entries.removeAll(keepingCapacity: true) }
            for (key, value) in filled { state.entries[key] = Entry(value: value, generation: generation, storedAt: now) }
        }
        return found.merging(filled) { cached, _ in cached }
    }

    public func invalidate() { reset(bypassUntil: nil) }

    /// A transaction is about to change products or stock; `endWrite` follows its commit.
    public func beginWrite() { reset(bypassUntil: .now + .seconds(10)) }

    public func endWrite() { reset(bypassUntil: .now) }

    /// Forgets every entry; `bypassUntil` extends (a write begins) or ends (it committed) the bypass.
    private func reset(bypassUntil: ContinuousClock.Instant?) {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll(keepingCapacity: true)
            if let bypassUntil { state.bypassUntil = bypassUntil > .now ? max(state.bypassUntil, bypassUntil) : bypassUntil }
        }
    }
}

/// Empties a cache whenever an event of the given types is committed, by any process.
public struct CacheInvalidation: Service {
    let cache: InvalidatedCache
    let follower: EventFollower

    public init(cache: InvalidatedCache, log: EventLog, types: [String], logger: Logger) {
        self.cache = cache
        follower = EventFollower(log: log, types: types, logger: logger)
    }

    public func run() async throws {
        let start = try await follower.log.head()
        await cancelWhenGracefulShutdown {
            await follower.follow(from: start) { _ in cache.invalidate() }
        }
    }
}
