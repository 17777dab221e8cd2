import Synchronization

/// What a transaction did that others wait for: events appended (consumers) or jobs queued
/// (workers). The backends wake this process's waiters only after a commit that did one of these
/// (and on PostgreSQL announce it to other processes, `CommitAnnouncer`). Waking on every commit made an
/// idle process spin: a job worker's claim that found nothing committed, woke the worker itself,
/// and it claimed again.
public final class TransactionEffects: Sendable {
    @TaskLocal static var current: TransactionEffects?

    private let work = Atomic<Bool>(false)
    private let types = Mutex<Set<String>>([])

    init() {}

    /// The running transaction appended events of these types to the event log.
    public static func eventsAppended(types: some Sequence<String>) {
        current?.types.withLock { $0.formUnion(types) }
    }

    /// The running transaction queued work for a worker (a job, a dead letter put back).
    public static func workQueued() {
        current?.work.store(true, ordering: .relaxed)
    }

    /// The event types appended, and `ChangeSignal.jobs` when work was queued: whom to wake once
    /// the transaction has committed (empty: nobody).
    var topics: Set<String> {
        var topics = types.withLock { $0 }
        if work.load(ordering: .relaxed) { topics.insert(ChangeSignal.jobs) }
        return topics
    }

    /// Runs `body` (a transaction's body) recording into this.
    func recording<T>(_ body: () async throws -> T) async rethrows -> T {
        try await Self.$current.withValue(self) { try await body() }
    }
}
