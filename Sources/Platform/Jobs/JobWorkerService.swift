import Foundation
import Logging
import Metrics
public import ServiceLifecycle

/// Claims and runs jobs of the kinds it has handlers for, `concurrency` at a time.
public final class JobWorkerService: Service {
    private let queue: JobQueue
    let handlers: [String: any JobHandler]
    private let retry: RetryPolicy
    private let concurrency: Int
    private let pollInterval: Duration
    private let lease: TimeInterval
    private let logger: Logger

    public init(
        queue: JobQueue, handlers: [any JobHandler], retry: RetryPolicy = RetryPolicy(baseDelay: .seconds(1), maxDelay: .seconds(300)),
        concurrency: Int = 2, pollInterval: Duration = .seconds(1), lease: TimeInterval = 300, logger: Logger
    ) {
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
                    group.addTask { await self.workLoop() }
                }
            }
        }
    }

    private func workLoop() async {
        while !Task.isCancelled {
            let seen = queue.database.changes.generation
            do {
                if try await runNext() { continue }
            } catch {
                if Task.isCancelled { return }
                logger.warning("job queue unavailable", metadata: ["error": "\(error)"])
            }
            await queue.database.changes.wait(after: seen, timeout: pollInterval)
        }
    }

    /// Runs one due job; false when none was due. Exposed for tests.
    @discardableResult
    public func runNext() async throws -> Bool {
        guard let job = try await queue.claim(kinds: Array(handlers.keys), lease: lease) else { return false }
        guard let handler = handlers[job.kind] else { return true }
        do {
            try await handler.run(job)
            try await queue.complete(job)
            Counter(label: "bazaar_jobs_completed_total", dimensions: [("kind", job.kind)]).increment()
        } catch {
            logger.warning("job failed", metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "attempt": "\(job.attempts)", "error": "\(error)"])
            Counter(label: "bazaar_jobs_failed_total", dimensions: [("kind", job.kind)]).increment()
            try await queue.fail(job, error: String(describing: error), retry: retry, deadLetterPayload: handler.deadLetterPayload(job))
        }
        return true
    }
}
