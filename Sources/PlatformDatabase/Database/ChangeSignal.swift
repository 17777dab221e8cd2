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
        var waiters: [UInt64: (topics: Set<String>?, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiterID: UInt64 = 0

        func generation(for topics: Set<String>?) -> UInt64 {
            guard let topics else { return generation }
            return topics.reduce(everyoneGeneration) { max($0, topicGenerations[$1] ?? 0) }
        }
    }

    public init() {}

    /// The generation of the last signal of any topic.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// The generation of the last signal that would wake a waiter for `topics` (nil: any).
    public func generation(for topics: Set<String>?) -> UInt64 { state.withLock { $0.generation(for: topics) } }

    /// Wakes the waiters of `topics`, or everyone when nil.
    public func signal(topics: Set<String>? = nil) {
        let waking = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation &+= 1
            if let topics {
                for topic in topics { state.topicGenerations[topic] = state.generation }
            } else {
                state.everyoneGeneration = state.generation
            }
            var waking: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in state.waiters where topics == nil || waiter.topics == nil || !waiter.topics!.isDisjoint(with: topics!) {
                waking.append(waiter.continuation)
                state.waiters[id] = nil
            }
            return waking
        }
        for continuation in waking { continuation.resume() }
    }

    /// Waits until a signal for `topics` (nil: any) newer than `seen` arrives or `timeout` passes.
    /// `seen` is `generation(for: topics)` read before the caller last looked.
    public func wait(after seen: UInt64, topics: Set<String>? = nil, timeout: Duration) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID &+= 1
            return state.nextWaiterID
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // The timeout may win before this child even registers (a loaded machine): the
                // cancellation handler and the registration both look under the lock, so the
                // continuation is resumed exactly once whichever comes first.
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let resumeNow = self.state.withLock { state -> Bool in
                            if state.generation(for: topics) != seen || Task.isCancelled { return true }
                            state.waiters[id] = (topics, continuation)
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    self.state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
