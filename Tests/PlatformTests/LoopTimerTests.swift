@testable import PlatformDatabase
import Synchronization
import Testing
import TestSupport

/// The event-loop timers that consumers wait on instead of `Task.sleep`.
@Suite("Loop timers")
struct LoopTimerTests {
    @Test func aSleepLastsItsDurationUnlessCancelled() async throws {
        let started = ContinuousClock.now
        await LoopTimer.sleep(for: .milliseconds(100))
        #expect(ContinuousClock.now - started >= .milliseconds(100))

        let sleeping = Task { await LoopTimer.sleep(for: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(50))
        let cancelled = ContinuousClock.now
        sleeping.cancel()
        await sleeping.value
        #expect(ContinuousClock.now - cancelled < .seconds(30))
    }

    @Test func aCancelledTimerNeverFires() async throws {
        let fired = Atomic<Int>(0)
        let cancelled = try #require(LoopTimer.schedule(after: .milliseconds(20)) { fired.add(1, ordering: .relaxed) })
        cancelled.cancel()
        LoopTimer.schedule(after: .milliseconds(50)) { fired.add(10, ordering: .relaxed) }
        try await waitUntil("the timer left running fires") { fired.load(ordering: .relaxed) >= 10 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(fired.load(ordering: .relaxed) == 10)
    }
}
