import NIOCore
import NIOPosix
import Synchronization

/// Timers on SwiftNIO's event loops, for the waits of consumers and workers.
///
/// `Task.sleep` arms a libdispatch timer: dispatch's manager thread is woken (an eventfd write) to
/// arm it, and again to fire it. Consumers wait hundreds of times a second under load; on
/// PostgreSQL, moving their waits here took dispatch's manager thread from 3.3% to 2.5% of the
/// process's CPU in `perf` (flat-out orders; the rest was the connection pool's idle timers, see
/// `DatabaseLocation.open`). A loop's timer is an entry in the queue of a thread that runs anyway,
/// armed without a system call when the caller runs on that loop, as every task does on PostgreSQL
/// (whose process runs Swift concurrency on the loops).
public enum LoopTimer {
    /// Calls `fire` once after `delay`, on the caller's event loop when it runs on one. Cancelling
    /// the returned handle first means `fire` is never called.
    @discardableResult
    public static func schedule(after delay: Duration, _ fire: @escaping @Sendable () -> Void) -> NIOScheduledCallback? {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        do {
            return try loop.scheduleCallback(in: TimeAmount(delay), handler: Callback(fire: fire))
        } catch {
            // The loops are shutting down; the timer still has to fire for its waiter to return.
            Task {
                try? await Task.sleep(for: delay)
                fire()
            }
            return nil
        }
    }

    /// Returns after `duration`, or as soon as the task is cancelled.
    public static func sleep(for duration: Duration) async {
        guard duration > .zero else { return }
        let wake = OneShot()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                guard wake.arm(continuation) else { return }
                schedule(after: duration) { wake.fire() }
            }
        } onCancel: {
            wake.fire()
        }
    }

    private struct Callback: NIOScheduledCallbackHandler, Sendable {
        let fire: @Sendable () -> Void
        func handleScheduledCallback(eventLoop: some EventLoop) { fire() }
    }

    /// A continuation resumed exactly once, by whichever of the timer and cancellation comes first.
    private final class OneShot: Sendable {
        private enum State {
            case idle
            case armed(CheckedContinuation<Void, Never>)
            case fired
        }
        private let state = Mutex<State>(.idle)

        /// Holds `continuation` until `fire`; resumes it at once (and returns false) if that came first.
        func arm(_ continuation: CheckedContinuation<Void, Never>) -> Bool {
            let firedAlready = state.withLock { state -> Bool in
                if case .fired = state { return true }
                state = .armed(continuation)
                return false
            }
            if firedAlready { continuation.resume() }
            return !firedAlready
        }

        func fire() {
            let armed = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state = .fired }
                if case .armed(let continuation) = state { return continuation }
                return nil
            }
            armed?.resume()
        }
    }
}
