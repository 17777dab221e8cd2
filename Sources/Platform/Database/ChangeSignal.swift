import Synchronization

/// A broadcast wake-up: every waiter registered before `signal()` is resumed. Waiters use it
/// together with a timeout, so a missed signal only delays work until the next poll.
public final class ChangeSignal: Sendable {
    private let state = Mutex<State>(State())

    private struct State {
        var generation: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiterID: UInt64 = 0
    }

    public init() {}

    public var generation: UInt64 { state.withLock { $0.generation } }

    public func signal() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            let waiting = state.waiters
            state.waiters.removeAll()
            return waiting
        }
        for continuation in waiters.values { continuation.resume() }
    }

    /// Waits until a signal newer than `seen` arrives or `timeout` passes.
    public func wait(after seen: UInt64, timeout: Duration) async {
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
                            if state.generation != seen || Task.isCancelled { return true }
                            state.waiters[id] = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
