import Synchronization

/// Transactions that share one SQLite COMMIT. Each runs in a savepoint of an outer transaction
/// on the write connection; the last one in line commits them all, and every member learns the
/// outcome here before its `transaction` call returns. A commit costs the same few WAL writes
/// (and, every thousand pages, a checkpoint with an fsync) whether it carries one order or forty.
final class CommitGroup: Sendable {
    private struct State {
        var outcome: Result<Void, any Error>?
        var waiting: [CheckedContinuation<Void, any Error>] = []
        var members = 0
    }
    private let state = Mutex(State())

    /// Counts a member in; returns how many the group holds now.
    func join() -> Int {
        state.withLock { state in
            state.members += 1
            return state.members
        }
    }

    /// Returns once the group committed; throws the COMMIT's error when it failed.
    func committed() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLock { state -> Result<Void, any Error>? in
                if let outcome = state.outcome { return outcome }
                state.waiting.append(continuation)
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    func finish(_ outcome: Result<Void, any Error>) {
        let waiting = state.withLock { state in
            state.outcome = outcome
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume(with: outcome) }
    }
}
