import NIOCore
import Synchronization

/// A broadcast wake-up by topic (an event type, or `ChangeSignal.jobs`): a signal resumes the
/// waiters interested in one of its topics, and a signal without topics (another process's commit
/// whose topics are unknown, start-up) resumes everyone. Consumers each wait for their own event
/// types, so a commit no longer wakes every consumer of the process to find nothing. Waiters use it
/// together with a timeout, so a missed signal only delays work until the next poll.
public final class ChangeSignal: Sendable {
    /// The topic of commits that queued jobs.
    public static let jobs = "jobs"
    /// The PostgreSQL NOTIFY channel on which a process announces its commits' topics (`CommitAnnouncer`).
    public static let eventChannel = "bazaar_events"

    private let state = Mutex<State>(State())

    private struct State {
        var generation: UInt64 = 0
        /// The generation of the last signal for each topic, and of the last one for all.
        var topicGenerations: [String: UInt64] = [:]
        var everyoneGeneration: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiterID: UInt64 = 0

        func generation(for topics: Set<String>?) -> UInt64 {
            guard let topics else { return generation }
            return topics.reduce(everyoneGeneration) { max($0, topicGenerations[$1] ?? 0) }
        }
    }

    private struct Waiter {
        let topics: Set<String>?
        let continuation: CheckedContinuation<Void, Never>
        /// The timeout, cancelled when a signal comes first so that the loop's queue of timers
        /// stays as short as the list of waiters.
        let timeout: NIOScheduledCallback?
    }

    public init() {}

    /// The generation of the last signal of any topic.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// The generation of the last signal that would wake a waiter for `topics` (nil: any).
    public func generation(for topics: Set<String>?) -> UInt64 { state.withLock { $0.generation(for: topics) } }

    /// Wakes the waiters of `topics`, or everyone when nil.
    public func signal(topics: Set<String>? = nil) {
        let waking = state.withLock { state -> [Waiter] in
            state.generation &+= 1
            if let topics {
                for topic in topics { state.topicGenerations[topic] = state.generation }
            } else {
                state.everyoneGeneration = state.generation
            }
            var waking: [Waiter] = []
            for (id, waiter) in state.waiters where topics == nil || waiter.topics == nil || !waiter.topics!.isDisjoint(with: topics!) {
                waking.append(waiter)
                state.waiters[id] = nil
            }
            return waking
        }
        for waiter in waking {
            waiter.timeout?.cancel()
            waiter.continuation.resume()
        }
    }

    /// Waits until a signal for `topics` (nil: any) newer than `seen` arrives or `timeout` passes.
    /// `seen` is `generation(for: topics)` read before the caller last looked.
    public func wait(after seen: UInt64, topics: Set<String>? = nil, timeout: Duration) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID &+= 1
            return state.nextWaiterID
        }
        // The timeout is a timer on an event loop rather than a `Task.sleep` raced in a task group
        // (two child tasks and a libdispatch timer for every wait; see `LoopTimer`). Whichever of
        // the signal, the timer and cancellation takes the waiter out of the table under the lock
        // resumes it, so it is resumed exactly once. Cancellation may come before the waiter is in
        // the table (a loaded machine): the registration looks for it under the same lock.
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.generation(for: topics) != seen || Task.isCancelled { return true }
                    // Armed under the lock, so the timer cannot fire before the waiter is in the table.
                    let timer = LoopTimer.schedule(after: timeout) { [self] in resume(waiter: id) }
                    state.waiters[id] = Waiter(topics: topics, continuation: continuation, timeout: timer)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            resume(waiter: id, cancelTimer: true)
        }
    }

    private func resume(waiter id: UInt64, cancelTimer: Bool = false) {
        guard let waiter = state.withLock({ $0.waiters.removeValue(forKey: id) }) else { return }
        if cancelTimer { waiter.timeout?.cancel() }
        waiter.continuation.resume()
    }
}
