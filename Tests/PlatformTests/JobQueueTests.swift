import Foundation
@testable import PlatformCore
@testable import PlatformEvents
import SQLKit
import Synchronization
import Testing
import TestSupport

@Suite("Job queue and scheduler")
struct JobQueueTests {
    struct Payload: Codable, Sendable { let value: Int }

    final class CountingJob: JobHandler, Sendable {
        let kind = "test.count"
        let runs = Mutex<[Int]>([])
        let failuresLeft: Mutex<Int>

        init(failures: Int = 0) { failuresLeft = Mutex(failures) }

        func run(_ job: Job) async throws {
            let shouldFail = failuresLeft.withLock { left in
                if left > 0 { left -= 1; return true }
                return false
            }
            if shouldFail { throw RecordingHandler.TestFailure() }
            let value = try job.decode(Payload.self).value
            runs.withLock { $0.append(value) }
        }
    }

    /// Waiters (job workers, event consumers) wake after commits that queued work or appended
    /// events, and only then: a worker woken by its own empty claim never stopped claiming.
    @Test(arguments: TestEngine.allCases)
    func onlyCommitsThatQueueWorkWakeWaiters(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            let changes = platform.database.changes
            let start = changes.generation
            try await platform.database.transaction { db in try await db.raw("SELECT 1").run() }
            _ = try await platform.jobs.claim(kinds: ["test.count"], lease: 60, limit: 1)
            #expect(changes.generation == start)

            try await platform.database.transaction { db in
                _ = try await platform.jobs.enqueue(kind: "test.count", payload: Payload(value: 1), uniqueKey: "once", on: db)
            }
            #expect(changes.generation == start + 1)
            // The same unique key queues nothing, so it wakes nobody.
            try await platform.database.transaction { db in
                _ = try await platform.jobs.enqueue(kind: "test.count", payload: Payload(value: 1), uniqueKey: "once", on: db)
            }
            #expect(changes.generation == start + 1)
            _ = try await platform.database.transaction { db in try await platform.events.append(Ping(number: 1), on: db) }
            #expect(changes.generation == start + 2)
            // A transaction that queued work and then failed wakes nobody.
            await #expect(throws: RecordingHandler.TestFailure.self) {
                try await platform.database.transaction { db in
                    _ = try await platform.jobs.enqueue(kind: "test.count", payload: Payload(value: 2), on: db)
                    throw RecordingHandler.TestFailure()
                }
            }
            #expect(changes.generation == start + 2)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func jobsRunOnceEvenWithCompetingWorkers(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            try await platform.database.transaction { db in
                for value in 0..<20 { try await platform.jobs.enqueue(kind: "test.count", payload: Payload(value: value), on: db) }
            }
            let handler = CountingJob()
            let workers = (0..<3).map { _ in JobWorkerService(queue: platform.jobs, handlers: [handler], logger: platform.logger) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in workers {
                    group.addTask { while try await worker.runNext() {} }
                }
                try await group.waitForAll()
            }
            #expect(handler.runs.withLock { $0.sorted() } == Array(0..<20))
        }
    }

    @Test(arguments: TestEngine.allCases)
    func uniqueKeysMakeEnqueueIdempotent(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            let results = try await platform.database.transaction { db in
                [
                    try await platform.jobs.enqueue(kind: "test.count", payload: Payload(value: 1), uniqueKey: "once", on: db),
                    try await platform.jobs.enqueue(kind: "test.count", payload: Payload(value: 2), uniqueKey: "once", on: db),
                ]
            }
            #expect(results == [true, false])
        }
    }

    /// A worker that dies mid-job leaves it running under its lease; once the lease runs out,
    /// another worker claims the job and finishes it, exactly once.
    @Test(arguments: TestEngine.allCases)
    func aJobWhoseLeaseRanOutIsClaimedAgain(engine: TestEngine) async throws {
        let clock = ManualWallClock()
        try await withPlatform(engine, clock: clock) { platform in
            _ = try await platform.database.transaction { db in
                try await platform.jobs.enqueue(kind: "test.count", payload: Payload(value: 5), on: db)
            }
            let abandoned = try await platform.jobs.claim(kinds: ["test.count"], lease: 60, limit: 1)
            #expect(abandoned.map(\.attempts) == [1])
            let handler = CountingJob()
            let worker = JobWorkerService(queue: platform.jobs, handlers: [handler], lease: 60, logger: platform.logger)
            #expect(try await !worker.runNext(), "the dead worker's lease still holds")
            clock.advance(by: 61)
            #expect(try await worker.runNext())
            #expect(handler.runs.withLock { $0 } == [5])
            #expect(try await !worker.runNext())
            #expect(try await platform.jobs.counts().queued == 0, "done, not running or queued")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func expiredLeasesAreLookedForEveryFewSecondsNotOnEveryClaim(engine: TestEngine) async throws {
        let clock = ManualWallClock()
        try await withPlatform(engine, clock: clock) { platform in
            let handler = CountingJob()
            let worker = JobWorkerService(queue: platform.jobs, handlers: [handler], lease: 1, logger: platform.logger)
            #expect(try await !worker.runNext(), "nothing queued; this claim looked for expired leases")
            _ = try await platform.database.transaction { db in
                try await platform.jobs.enqueue(kind: "test.count", payload: Payload(value: 8), on: db)
            }
            _ = try await platform.jobs.claim(kinds: ["test.count"], lease: 1, limit: 1)  // by a worker that dies
            clock.advance(by: 2)
            #expect(try await !worker.runNext(), "the lease ran out, but the next look is not due")
            clock.advance(by: Double(JobWorkerService.expiredLeaseCheckInterval) / 1000)
            #expect(try await worker.runNext())
            #expect(handler.runs.withLock { $0 } == [8])
        }
    }

    @Test(arguments: TestEngine.allCases)
    func failingJobsBackOffThenLandInDeadLetters(engine: TestEngine) async throws {
        let clock = ManualWallClock()
        try await withPlatform(engine, clock: clock) { platform in
            _ = try await platform.database.transaction { db in
                try await platform.jobs.enqueue(kind: "test.count", payload: Payload(value: 9), maxAttempts: 3, on: db)
            }
            let handler = CountingJob(failures: 10)
            let worker = JobWorkerService(
                queue: platform.jobs, handlers: [handler], retry: RetryPolicy(baseDelay: .seconds(10), maxDelay: .seconds(60)),
                logger: platform.logger)
            #expect(try await worker.runNext())
            // Backing off: not due again until the clock passes the delay.
            #expect(try await !worker.runNext())
            clock.advance(by: 11)
            #expect(try await worker.runNext())
            clock.advance(by: 19)
            #expect(try await !worker.runNext())
            clock.advance(by: 2)
            #expect(try await worker.runNext())
            clock.advance(by: 3600)
            #expect(try await !worker.runNext())
            let letters = try await DeadLetterStore(database: platform.database, clock: clock).list(limit: 5)
            #expect(letters.count == 1)
            #expect(letters.first?.source == "job")
            #expect(try await platform.jobs.counts().failed == 1)

            // Replaying requeues it with fresh attempts; this time it succeeds.
            handler.failuresLeft.withLock { $0 = 0 }
            try await platform.jobs.requeue(jobID: Int64(letters[0].eventID)!, deadLetterID: letters[0].id)
            #expect(try await worker.runNext())
            #expect(handler.runs.withLock { $0 } == [9])
        }
    }

    @Test(arguments: TestEngine.allCases)
    func twoSchedulersEnqueueEachRunOnce(engine: TestEngine) async throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_790_000_000))
        try await withPlatform(engine, clock: clock) { platform in
            let first = SchedulerService(queue: platform.jobs, logger: platform.logger)
            let second = SchedulerService(queue: platform.jobs, logger: platform.logger)
            try await first.schedule(
                name: "every-5", cron: try CronSchedule("*/5 * * * *"), jobKind: "test.count", payload: Payload(value: 1))
            #expect(try await first.tick() == 0)
            var claimed = 0
            for _ in 0..<3 {
                clock.advance(by: 300)
                async let a = first.tick()
                async let b = second.tick()
                let (x, y) = try await (a, b)
                claimed += x + y
            }
            #expect(claimed == 3)
            let jobs = try await platform.database.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'test.count'").first()?.decode(column: "n", as: Int.self)
            }
            #expect(jobs == 3)
        }
    }
}

@Suite("Cron schedules")
struct CronScheduleTests {
    let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test(arguments: [
        ("*/15 * * * *", "2026-01-01T10:07:00Z", "2026-01-01T10:15:00Z"),
        ("0 9 * * 1-5", "2026-01-02T09:00:00Z", "2026-01-05T09:00:00Z"),
        ("30 8 1 * *", "2026-01-31T12:00:00Z", "2026-02-01T08:30:00Z"),
        ("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("0 12 * * 0", "2026-01-01T00:00:00Z", "2026-01-04T12:00:00Z"),
        ("0 12 * * 7", "2026-01-01T00:00:00Z", "2026-01-04T12:00:00Z"),
        ("0 0 13 * 5", "2026-02-01T00:00:00Z", "2026-02-06T00:00:00Z"),
        ("5,10 1 * * *", "2026-01-01T01:05:00Z", "2026-01-01T01:10:00Z"),
        ("59 23 31 12 *", "2026-06-01T00:00:00Z", "2026-12-31T23:59:00Z"),
    ])
    func nextRun(expression: String, after: String, expected: String) throws {
        #expect(try CronSchedule(expression).next(after: date(after)) == date(expected))
    }

    @Test(arguments: [
        "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *", "",
    ])
    func invalidExpressionsAreRefused(expression: String) {
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule(expression) }
    }
}
