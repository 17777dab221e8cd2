import PlatformCore
import SQLKit
import Synchronization

/// Write transactions waiting for SQLite's one write connection, and whether a task is running
/// them. Flat combining: a transaction does not wait for a lock and then run its own body; it
/// joins this queue and one combining task runs the bodies of everyone queued, back to back, in
/// one group commit. A lock passed from task to task sat free while the next holder waited for a
/// thread of the cooperative pool behind HTTP work: a quarter of the time under the order load.
///
/// Requests go before background work (`WritePriority`): a group holds at most one background
/// write while requests wait. Consumers wake together and each queue a batch, and in arrival
/// order the requests that came next waited behind all of them, while every connection's
/// request was waiting and the HTTP side had nothing to do.
final class WriteQueue: Sendable {
    private struct State {
        var requests: [any QueuedWrite] = []
        var background: [any QueuedWrite] = []
        var combining = false
    }
    private let state = Mutex(State())

    /// Queues `write`; true when no task is combining, so the caller must start one.
    func enqueue(_ write: any QueuedWrite) -> Bool {
        state.withLock { state in
            if write.isBackground { state.background.append(write) } else { state.requests.append(write) }
            defer { state.combining = true }
            return !state.combining
        }
    }

    /// The writes of a new group, at most `limit`. When none wait, the combining task is done
    /// and must stop: nil, and the next `enqueue` starts another.
    func next(upTo limit: Int) -> [any QueuedWrite]? {
        state.withLock { state in
            guard !state.requests.isEmpty || !state.background.isEmpty else {
                state.combining = false
                return nil
            }
            return Self.take(upTo: limit, backgroundWhileRequestsWait: 1, from: &state)
        }
    }

    /// Writes that queued while the combining task ran a group, to join it (empty: none); the
    /// group holds a background write already when `holdingBackground`.
    func more(upTo limit: Int, holdingBackground: Bool) -> [any QueuedWrite] {
        state.withLock { Self.take(upTo: limit, backgroundWhileRequestsWait: holdingBackground ? 0 : 1, from: &$0) }
    }

    /// How many writes wait (for tests).
    var count: Int { state.withLock { $0.requests.count + $0.background.count } }

    private static func take(upTo limit: Int, backgroundWhileRequestsWait allowed: Int, from state: inout State) -> [any QueuedWrite] {
        guard limit > 0 else { return [] }
        guard !state.requests.isEmpty else { return takeFront(limit, of: &state.background) }
        let background = takeFront(min(allowed, limit - 1), of: &state.background)
        return takeFront(limit - background.count, of: &state.requests) + background
    }

    private static func takeFront(_ count: Int, of writes: inout [any QueuedWrite]) -> [any QueuedWrite] {
        let taken = Array(writes.prefix(count))
        writes.removeFirst(taken.count)
        return taken
    }
}

/// One write transaction as the combining task sees it.
protocol QueuedWrite: Sendable {
    /// Submitted by background work (`WritePriority.background`), not by a request.
    var isBackground: Bool { get }
    /// Runs the body on `database` as its submitter would have: with the submitter's statement
    /// counter and request id, recording its effects. False when the body threw.
    func run(on database: any SQLDatabase) async -> Bool
    /// The group's COMMIT (or rollback) is done: the submitter may return.
    func finish(_ commit: Result<Void, any Error>)
}

/// A write transaction submitted by a task that now waits for its outcome.
final class SubmittedWrite<T: Sendable>: QueuedWrite {
    private struct State {
        var body: Result<T, any Error>?
        var outcome: Result<T, any Error>?
        var waiting: CheckedContinuation<T, any Error>?
    }
    private let body: @Sendable (any SQLDatabase) async throws -> T
    // Task-locals of the submitter that a body reads (its priority too, below); the combining
    // task is another task.
    private let counter = StatementCounter.current
    private let requestID = RequestTrace.requestID
    let isBackground = WritePriority.current == .background
    let effects = TransactionEffects()
    private let state = Mutex(State())

    init(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) {
        self.body = body
    }

    func run(on database: any SQLDatabase) async -> Bool {
        let result: Result<T, any Error>
        do {
            result = .success(try await StatementCounter.$current.withValue(counter) {
                try await RequestTrace.$requestID.withValue(requestID) {
                    // The combining task took the priority of whoever started it.
                    try await WritePriority.$current.withValue(isBackground ? .background : .request) {
                        try await effects.recording { try await body(StatementCounter.counting(database)) }
                    }
                }
            })
        } catch {
            result = .failure(error)
        }
        state.withLock { $0.body = result }
        if case .failure = result { return false }
        return true
    }

    func finish(_ commit: Result<Void, any Error>) {
        let (outcome, waiting) = state.withLock { state -> (Result<T, any Error>, CheckedContinuation<T, any Error>?) in
            let outcome: Result<T, any Error>
            switch commit {
            // A group commits only after running every member, so the body has run here; the
            // fallback only keeps a broken promise from hanging the caller.
            case .success: outcome = state.body ?? .failure(CancellationError())
            case .failure(let error): outcome = .failure(error)
            }
            state.outcome = outcome
            defer { state.waiting = nil }
            return (outcome, state.waiting)
        }
        waiting?.resume(with: outcome)
    }

    /// The body's value once the COMMIT carrying it succeeded; its error, or the COMMIT's.
    func committed() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = state.withLock { state -> Result<T, any Error>? in
                if let outcome = state.outcome { return outcome }
                state.waiting = continuation
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }
}
