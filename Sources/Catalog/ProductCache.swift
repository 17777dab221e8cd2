import Contracts
import Foundation
import Logging
import Metrics
import Platform
import ServiceLifecycle
import Synchronization

/// Product listings and details as served, kept in this process's memory. Any product or stock
/// change empties it: this process's own writes right after they commit, other processes'
/// writes (and reservations by the order saga) when their events reach `ProductCacheInvalidation`.
/// Entries are stamped with the generation current *before* their database read, so a read that
/// raced an invalidation is never served afterwards.
final class ProductCache: Sendable {
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

    init(clock: any WallClock, lifetime: TimeInterval = 60, capacity: Int = 10_000) {
        self.clock = clock
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func value<Value: Sendable>(_ key: String, fill: () async throws -> Value) async throws -> Value {
        let now = clock.now()
        let (hit, generation, bypass) = state.withLock { state -> (Value?, UInt64, Bool) in
            if state.bypassUntil > .now { return (nil, state.generation, true) }
            guard let entry = state.entries[key], entry.generation == state.generation, now.timeIntervalSince(entry.storedAt) < lifetime else {
                return (nil, state.generation, false)
            }
            return (entry.value as? Value, state.generation, false)
        }
        if bypass { return try await fill() }
        if let hit {
            Counter(label: "bazaar_cache_requests_total", dimensions: [("cache", "products"), ("result", "hit")]).increment()
            return hit
        }
        Counter(label: "bazaar_cache_requests_total", dimensions: [("cache", "products"), ("result", "miss")]).increment()
        let value = try await fill()
        state.withLock { state in
            guard state.generation == generation else { return }  // invalidated while reading
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = Entry(value: value, generation: generation, storedAt: now)
        }
        return value
    }

    func invalidate() { reset(bypassUntil: nil) }

    /// A transaction is about to change products or stock; `endWrite` follows its commit.
    func beginWrite() { reset(bypassUntil: .now + .seconds(10)) }

    func endWrite() { reset(bypassUntil: .now) }

    /// Forgets every entry; `bypassUntil` extends (a write begins) or ends (it committed) the bypass.
    private func reset(bypassUntil: ContinuousClock.Instant?) {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll(keepingCapacity: true)
            if let bypassUntil { state.bypassUntil = bypassUntil > .now ? max(state.bypassUntil, bypassUntil) : bypassUntil }
        }
    }
}

/// Empties the cache when any process changes products or stock (events through the log).
struct ProductCacheInvalidation: Service {
    let cache: ProductCache
    let follower: EventFollower

    init(cache: ProductCache, log: EventLog, logger: Logger) {
        self.cache = cache
        follower = EventFollower(
            log: log, types: [ProductCreated.type, ProductUpdated.type, ProductDeleted.type, StockReserved.type, StockReleased.type], logger: logger)
    }

    func run() async throws {
        let start = try await follower.log.head()
        await cancelWhenGracefulShutdown {
            await follower.follow(from: start) { _ in cache.invalidate() }
        }
    }
}
