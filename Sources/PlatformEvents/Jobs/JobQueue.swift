public import Foundation
import PlatformCore
import PlatformDatabase
public import SQLKit

/// A durable job: stored in `jobs`, claimed by one worker at a time (SKIP LOCKED on
/// PostgreSQL), retried with backoff, dead-lettered after `maxAttempts`.
public struct Job: Sendable {
    public let id: Int64
    public let kind: String
    public let payload: String
    public let attempts: Int
    public let maxAttempts: Int
    /// The key the job was enqueued with; a scheduled run's key names the run
    /// (`cron:<task>:<due time>`), so its handler can make its effects once per run.
    public let uniqueKey: String?

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder.events.decode(T.self, from: Data(payload.utf8))
    }
}

public protocol JobHandler: Sendable {
    var kind: String { get }
    func run(_ job: Job) async throws
    /// Runs jobs of this kind claimed together, and gives each one's outcome in order. The
    /// default runs them one by one; a handler whose jobs each cost a transaction of their own
    /// (a stored mail) does a batch's work in one.
    func run(batch jobs: [Job]) async -> [Result<Void, any Error>]
    /// What admins see of a dead-lettered job's payload; handlers whose payloads carry secrets
    /// (a mail with a reset token) leave those out.
    func deadLetterPayload(_ job: Job) -> String
}

extension JobHandler {
    public func deadLetterPayload(_ job: Job) -> String { job.payload }

    public func run(batch jobs: [Job]) async -> [Result<Void, any Error>] {
        var outcomes: [Result<Void, any Error>] = []
        for job in jobs {
            do {
                try await run(job)
                outcomes.append(.success(()))
            } catch {
                outcomes.append(.failure(error))
            }
        }
        return outcomes
    }
}

public struct JobQueue: Sendable {
    public let database: any Database
    public let clock: any WallClock
    private static let insertColumns = ["kind", "payload", "status", "run_at", "attempts", "max_attempts", "created_at"]

    public init(database: any Database, clock: any WallClock) {
        self.database = database
        self.clock = clock
    }

    /// Adds a job inside the caller's transaction. A `uniqueKey` makes the enqueue idempotent:
    /// a second job with the same key is ignored (returns false).
    @discardableResult
    public func enqueue(
        kind: String, payload: some Encodable, runAt: Date? = nil, maxAttempts: Int = 5, uniqueKey: String? = nil, on db: any SQLDatabase
    ) async throws -> Bool {
        let body = try SortedJSON.string(payload)
        let now = clock.now()
        let inserted = try await db.raw(
            """
            INSERT INTO jobs (kind, payload, status, run_at, attempts, max_attempts, unique_key, created_at)
            VALUES (\(bind: kind), \(bind: body), 'queued', \(bind: (runAt ?? now).millisecondsSince1970), 0, \(bind: maxAttempts), \(bind: uniqueKey), \(bind: now.millisecondsSince1970))
            ON CONFLICT DO NOTHING RETURNING id
            """
        ).first()
        if inserted != nil { TransactionEffects.workQueued() }
        return inserted != nil
    }

    /// Queues jobs of one kind now, in INSERTs of at most 300 (`DatabaseEngine.inserts`;
    /// no unique keys: each is queued).
    public func enqueue(kind: String, payloads: [some Encodable], maxAttempts: Int = 5, on db: any SQLDatabase) async throws {
        guard !payloads.isEmpty else { return }
        let now = clock.now().millisecondsSince1970
        let rows = try payloads.map { payload -> [any SQLExpression] in
            [SQLBind(kind), SQLBind(try SortedJSON.string(payload)), SQLBind("queued"), SQLBind(now), SQLBind(0), SQLBind(maxAttempts), SQLBind(now)]
        }
        for insert in database.engine.inserts(into: "jobs", columns: Self.insertColumns, rows: rows, atMost: 300) {
            try await db.raw(insert).run()
        }
        TransactionEffects.workQueued()
    }

    /// Claims up to `limit` due jobs, oldest first, then (with `reclaimingExpired`) running ones
    /// whose worker's lease ran out. Each part is its own ordered lookup on
    /// `jobs (status, run_at, id)`: one query with an OR of the two read and sorted every queued
    /// job to return the first (1 ms with 10,000 queued, inside the write lock).
    func claim(kinds: [String], lease: TimeInterval, limit: Int = 1, reclaimingExpired: Bool = true) async throws -> [Job] {
        guard !kinds.isEmpty, limit > 0 else { return [] }
        let now = clock.now().millisecondsSince1970
        let engine = database.engine
        return try await database.transaction { db in
            func due(_ condition: SQLQueryString, orderedBy order: String, limit: Int) async throws -> [Int64] {
                var query = SQLQueryString("SELECT id FROM jobs WHERE ")
                query.appendInterpolation(condition)
                query.appendLiteral(" AND kind IN ")
                query.appendBindList(kinds)
                query.appendLiteral(" ORDER BY " + order + ", id LIMIT " + String(limit) + engine.forUpdateSkipLocked)
                return try await db.raw(query).all().map { try $0.decode(column: "id", as: Int64.self) }
            }
            var ids = try await due("status = 'queued' AND run_at <= \(bind: now)", orderedBy: "run_at", limit: limit)
            if reclaimingExpired, ids.count < limit {
                ids += try await due(
                    "status = 'running' AND locked_until < \(bind: now)", orderedBy: "locked_until", limit: limit - ids.count)
            }
            guard !ids.isEmpty else { return [] }
            let leaseEnd = now + Int64(lease * 1000)
            var update = SQLQueryString(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = \(bind: leaseEnd) WHERE id IN ")
            update.appendBindList(ids)
            update.appendLiteral(" RETURNING id, kind, payload, attempts, max_attempts, unique_key")
            let claimed = try await db.raw(update).all().map { row in
                Job(
                    id: try row.decode(column: "id", as: Int64.self), kind: try row.decode(column: "kind", as: String.self),
                    payload: try row.decode(column: "payload", as: String.self), attempts: try row.decode(column: "attempts", as: Int.self),
                    maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
                    uniqueKey: try row.decode(column: "unique_key", as: String?.self))
            }
            // RETURNING gives no order; run them in the order they were due.
            let position = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
            return claimed.sorted { (position[$0.id] ?? 0) < (position[$1.id] ?? 0) }
        }
    }

    /// Marks jobs done, all in one statement.
    func complete(_ jobs: [Job]) async throws {
        guard !jobs.isEmpty else { return }
        try await database.transaction { db in
            var query = SQLQueryString("UPDATE jobs SET status = 'done', locked_until = NULL WHERE id IN ")
            query.appendBindList(jobs.map(\.id))
            try await db.raw(query).run()
        }
    }

    /// Schedules a retry, or parks the job in the dead letters when it has no attempts left.
    func fail(_ job: Job, error: String, retry: RetryPolicy, deadLetterPayload: String) async throws {
        let now = clock.now()
        try await database.transaction { db in
            if job.attempts >= job.maxAttempts {
                try await db.update("jobs").set("status", to: "failed").set("last_error", to: String(error.prefix(2000))).where(
                    "id", .equal, job.id
                ).run()
                try await DeadLetterStore.insert(
                    source: "job", consumer: "jobs", reference: String(job.id), type: job.kind, payload: deadLetterPayload, error: error,
                    attempts: job.attempts, at: now.millisecondsSince1970, on: db)
            } else {
                let delay = retry.delay(afterAttempt: job.attempts)
                let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
                try await db.update("jobs").set("status", to: "queued").set("last_error", to: String(error.prefix(2000)))
                    .set("run_at", to: now.addingTimeInterval(seconds).millisecondsSince1970).where("id", .equal, job.id).run()
            }
        }
    }

    /// Puts a dead-lettered job back in the queue with fresh attempts.
    package func requeue(jobID: Int64, deadLetterID: Int64) async throws {
        let now = clock.now().millisecondsSince1970
        try await database.transaction { db in
            try await db.raw(
                "UPDATE jobs SET status = 'queued', attempts = 0, run_at = \(bind: now), locked_until = NULL WHERE id = \(bind: jobID)"
            ).run()
            TransactionEffects.workQueued()
            try await DeadLetterStore.delete(id: deadLetterID, on: db)
        }
    }

    public struct Counts: Sendable {
        public let queued: Int
        public let failed: Int
    }

    public func counts() async throws -> Counts {
        try await database.read { db in
            let rows = try await db.raw(
                "SELECT status, COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running', 'failed') GROUP BY status"
            ).all()
            var queued = 0
            var failed = 0
            for row in rows {
                let n = try row.decode(column: "n", as: Int.self)
                switch try row.decode(column: "status", as: String.self) {
                case "failed": failed += n
                default: queued += n
                }
            }
            return Counts(queued: queued, failed: failed)
        }
    }
}
