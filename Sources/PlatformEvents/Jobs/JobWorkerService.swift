import Foundation
import Logging
import Metrics
import PlatformDatabase
public import ServiceLifecycle
import Synchronization

/// Claims and runs jobs of the kinds it has handlers for, `concurrency` at a time.
public final class JobWorkerService: Service {
    private let queue: JobQueue
    let handlers: [String: any JobHandler]
    private let retry: RetryPolicy
    private let concurrency: Int
    private let pollInterval: Duration
    private let lease: TimeInterval
    /// Jobs claimed per transaction; the lease covers the whole batch.
    private let batchSize: Int
    private let logger: Logger
    /// When (milliseconds on the queue's clock) a claim next also looks for jobs whose lease ran
    /// out. That lookup walks the running jobs' index entries, dead ones included: on PostgreSQL
    /// under the order load about 200 buffers a claim, for workers that die once in a blue moon.
    /// Once every `expiredLeaseCheckInterval` finds them soon enough against a 5 minute lease.
    private let nextExpiredLeaseCheck = Mutex<Int64>(0)
    static let expiredLeaseCheckInterval: Int64 = 5_000

    public init(
        queue: JobQueue, handlers: [any JobHandler], retry: RetryPolicy = RetryPolicy(baseDelay: .seconds(1), maxDelay: .seconds(300)),
        concurrency: Int = 2, pollInterval: Duration = .seconds(1), lease: TimeInterval = 300, batchSize: Int = 16, logger: Logger
    ) {
        self.batchSize = batchSize
        self.queue = queue
        self.handlers = Dictionary(handlers.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
        self.retry = retry
        self.concurrency = concurrency
        self.pollInterval = pollInterval
        self.lease = lease
        self.logger = logger
    }

    public func run() async throws {
        guard !handlers.isEmpty else { return }
        // Every kind's counters exist from the start (at 0), so a first failure shows as an
        // increase in rate() rather than as a new series that alerts cannot see.
        for kind in handlers.keys {
            Counter(label: "bazaar_jobs_completed_total", dimensions: [("kind", kind)]).increment(by: 0)
            Counter(label: "bazaar_jobs_failed_total", dimensions: [("kind", kind)]).increment(by: 0)
        }
        // Loops stop at a clean point (between events or jobs) on shutdown.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for _ in 0..<self.concurrency {
                    group.addTask { await WritePriority.$current.withValue(.background) { await self.workLoop() } }
                }
            }
        }
    }

    /// Workers wake for commits that queued jobs, not for every event.
    private static let topics: Set<String> = [ChangeSignal.jobs]

    private func workLoop() async {
        while !Task.isCancelled {
            let seen = queue.database.changes.generation(for: Self.topics)
            do {
                // A batch short of full took every due job. One queued since then has moved the
                // generation past `seen`, and the wait returns at once: no claim just to find
                // the queue empty.
                if try await runBatch() >= batchSize { continue }
            } catch {
                if Task.isCancelled { return }
                logger.warning("job queue unavailable", metadata: ["error": "\(error)"])
            }
            await queue.database.changes.wait(after: seen, topics: Self.topics, timeout: pollInterval)
        }
    }

    /// Claims a batch of due jobs and hands each kind's share to its handler in one call; false
    /// when none was due. Claiming and completing a batch at a time keeps the queue's
    /// bookkeeping to two short write transactions per batch rather than two per job. Exposed
    /// for tests.
    @discardableResult
    public func runNext() async throws -> Bool {
        try await runBatch() > 0
    }

    /// The same, returning how many jobs were claimed.
    private func runBatch() async throws -> Int {
        let now = queue.clock.now().millisecondsSince1970
        let checkExpired = nextExpiredLeaseCheck.withLock { next in
            guard now >= next else { return false }
            next = now + Self.expiredLeaseCheckInterval
            return true
        }
        let jobs = try await queue.claim(kinds: Array(handlers.keys), lease: lease, limit: batchSize, reclaimingExpired: checkExpired)
        guard !jobs.isEmpty else { return 0 }
        var completed: [Job] = []
        var kinds: [String] = []  // in the order the batch first names them
        var byKind: [String: [Job]] = [:]
        for job in jobs where handlers[job.kind] != nil {
            if byKind[job.kind] == nil { kinds.append(job.kind) }
            byKind[job.kind, default: []].append(job)
        }
        for kind in kinds {
            guard let handler = handlers[kind], let share = byKind[kind] else { continue }
            for (job, outcome) in zip(share, await handler.run(batch: share)) {
                switch outcome {
                case .success:
                    completed.append(job)
                    Counter(label: "bazaar_jobs_completed_total", dimensions: [("kind", job.kind)]).increment()
                case .failure(let error):
                    logger.warning(
                        "job failed",
                        metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "attempt": "\(job.attempts)", "error": "\(error)"])
                    Counter(label: "bazaar_jobs_failed_total", dimensions: [("kind", job.kind)]).increment()
                    try await queue.fail(job, error: String(describing: error), retry: retry, deadLetterPayload: handler.deadLetterPayload(job))
                }
            }
        }
        try await queue.complete(completed)
        return jobs.count
    }
}
