@testable import PlatformDatabase
import Testing

/// Commits wake only the waiters of the topics they touched (event types, jobs); a signal
/// without topics (another process's commit of unknown content) wakes everyone.
@Suite("Change signal topics")
struct ChangeSignalTests {
    @Test func aSignalWakesTheWaitersOfItsTopicsOnly() async throws {
        let signal = ChangeSignal()
        let orders: Set<String> = ["order.placed"]
        let seen = signal.generation(for: orders)
        signal.signal(topics: ["user.registered"])
        // Another topic moved the global generation but not this waiter's.
        #expect(signal.generation(for: orders) == seen)
        let started = ContinuousClock.now
        await signal.wait(after: seen, topics: orders, timeout: .milliseconds(200))
        #expect(ContinuousClock.now - started >= .milliseconds(150), "a signal of another topic must not wake it")

        // Its own topic wakes it, while it waits and before it starts waiting.
        let waiting = Task { await signal.wait(after: seen, topics: orders, timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(50))
        signal.signal(topics: ["order.placed", "stock.reserved"])
        await waiting.value
        #expect(signal.generation(for: orders) != seen)
        let early = ContinuousClock.now
        await signal.wait(after: seen, topics: orders, timeout: .seconds(30))
        #expect(ContinuousClock.now - early < .seconds(30))

        // A signal without topics wakes everyone, and a waiter without topics wakes for anything.
        let again = signal.generation(for: orders)
        signal.signal()
        #expect(signal.generation(for: orders) != again)
        let any = signal.generation(for: nil)
        signal.signal(topics: [ChangeSignal.jobs])
        #expect(signal.generation(for: nil) != any)
        #expect(signal.generation(for: orders) != signal.generation(for: [ChangeSignal.jobs]))
    }
}
