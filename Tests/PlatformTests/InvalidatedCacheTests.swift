import PlatformCore
import PlatformEvents
import Synchronization
import Testing

@Suite("Invalidated cache")
struct InvalidatedCacheTests {
    /// Records the keys each fill was asked for, and answers all but `unknown`.
    final class Source: Sendable {
        let asked = Mutex<[[String]]>([])
        let unknown: Set<String>

        init(unknown: Set<String> = []) { self.unknown = unknown }

        func fill(_ keys: [String]) -> [String: String] {
            asked.withLock { $0.append(keys.sorted()) }
            return Dictionary(uniqueKeysWithValues: keys.filter { !unknown.contains($0) }.map { ($0, "value of \($0)") })
        }
    }

    @Test func aBatchFillsOnlyTheKeysNotInMemory() async throws {
        let cache = InvalidatedCache(name: "test", clock: ManualWallClock())
        let source = Source(unknown: ["x"])
        #expect(try await cache.values(["a", "b"], fill: source.fill) == ["a": "value of a", "b": "value of b"])
        #expect(try await cache.values(["a", "b", "c"], fill: source.fill).count == 3)
        #expect(try await cache.values(["b", "c"], fill: source.fill) == ["b": "value of b", "c": "value of c"])
        // A key the source does not know is left out, and asked for again next time.
        #expect(try await cache.values(["a", "x"], fill: source.fill) == ["a": "value of a"])
        #expect(try await cache.values(["x"], fill: source.fill).isEmpty)
        #expect(source.asked.withLock { $0 } == [["a", "b"], ["c"], ["x"], ["x"]])
    }

    @Test func anInvalidationEmptiesItAndAFillThatRacedOneIsNotKept() async throws {
        let cache = InvalidatedCache(name: "test", clock: ManualWallClock())
        let source = Source()
        _ = try await cache.values(["a"], fill: source.fill)
        cache.invalidate()
        _ = try await cache.values(["a"], fill: source.fill)
        // Read before an invalidation that happens while it is read: possibly old, so not kept.
        _ = try await cache.values(["b"]) { keys in
            cache.invalidate()
            return source.fill(keys)
        }
        _ = try await cache.values(["a", "b"], fill: source.fill)
        _ = try await cache.values(["a", "b"], fill: source.fill)
        #expect(source.asked.withLock { $0 } == [["a"], ["a"], ["b"], ["a", "b"]])
    }

    @Test func whileAWriteIsUnderWayEveryReadFills() async throws {
        let cache = InvalidatedCache(name: "test", clock: ManualWallClock())
        let source = Source()
        _ = try await cache.values(["a"], fill: source.fill)
        cache.beginWrite()
        _ = try await cache.values(["a"], fill: source.fill)
        _ = try await cache.values(["a"], fill: source.fill)
        cache.endWrite()
        _ = try await cache.values(["a"], fill: source.fill)
        _ = try await cache.values(["a"], fill: source.fill)
        #expect(source.asked.withLock { $0 } == [["a"], ["a"], ["a"], ["a"]])
    }

    @Test func oneValueIsABatchOfOne() async throws {
        let cache = InvalidatedCache(name: "test", clock: ManualWallClock())
        let fills = Mutex(0)
        for _ in 0..<3 {
            let missing: String? = try await cache.value("gone") {
                fills.withLock { $0 += 1 }
                return nil
            }
            #expect(missing == nil)
        }
        #expect(fills.withLock { $0 } == 1, "an answer of nil is kept like any other")
    }
}
