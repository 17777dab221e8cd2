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

    @Test func aCancelledWaitReturnsAtOnce() async throws {
        let signal = ChangeSignal()
        let seen = signal.generation
        // Cancelled while waiting, and cancelled before it starts: neither waits out its timeout.
        let waiting = Task { await signal.wait(after: seen, timeout: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(50))
        let started = ContinuousClock.now
        waiting.cancel()
        await waiting.value
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await signal.wait(after: seen, timeout: .seconds(60))
        }
        await early.value
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    /// Signals, timeouts and cancellations racing: every wait returns exactly once (a second
    /// resumption of its continuation would trap, a lost one would hang the group).
    @Test(.timeLimit(.minutes(1))) func everyWaitReturnsOnceWhateverWins() async {
        let signal = ChangeSignal()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<400 {
                group.addTask {
                    let wait = Task {
                        await signal.wait(after: signal.generation, topics: ["t\(index % 4)"], timeout: .milliseconds(index % 7))
                    }
                    if index % 3 == 0 { wait.cancel() }
                    await wait.value
                }
                if index % 5 == 0 { signal.signal(topics: ["t\(index % 4)"]) }
            }
        }
    }
}
