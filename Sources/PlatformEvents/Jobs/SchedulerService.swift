import Foundation
import Logging
import PlatformCore
import PlatformDatabase
public import ServiceLifecycle
import SQLKit

/// Turns cron schedules into jobs. Every due run is claimed with a compare-and-set on
/// `next_run_at` and enqueued with a unique key, so a run happens once even when several
/// processes run the scheduler.
public final class SchedulerService: Service {
    private let queue: JobQueue
    private let tickInterval: Duration
    private let logger: Logger

    public init(queue: JobQueue, tickInterval: Duration = .seconds(5), logger: Logger) {
        self.queue = queue
        self.tickInterval = tickInterval
        self.logger = logger
    }

    /// Creates or updates a scheduled task; its next run is computed from now.
    public func schedule(name: String, cron: CronSchedule, jobKind: String, payload: some Encodable & Sendable) async throws {
        try await queue.database.transaction { db in
            try await self.schedule(name: name, cron: cron, jobKind: jobKind, payload: payload, on: db)
        }
    }

    /// The same inside the caller's transaction (a campaign and its schedule commit together).
    public func schedule(
        name: String, cron: CronSchedule, jobKind: String, payload: some Encodable & Sendable, on db: any SQLDatabase
    ) async throws {
        let next = cron.next(after: queue.clock.now()) ?? .distantFuture
        let body = try SortedJSON.string(payload)
        try await db.raw(
            """
            INSERT INTO scheduled_tasks (name, schedule, job_kind, payload, next_run_at)
            VALUES (\(bind: name), \(bind: cron.description), \(bind: jobKind), \(bind: body), \(bind: next.millisecondsSince1970))
            ON CONFLICT (name) DO UPDATE SET schedule = excluded.schedule, job_kind = excluded.job_kind, payload = excluded.payload, next_run_at = excluded.next_run_at
            """
        ).run()
    }

    /// Removes a scheduled task inside the caller's transaction; runs already enqueued still happen.
    public func unschedule(name: String, on db: any SQLDatabase) async throws {
        try await db.delete(from: "scheduled_tasks").where("name", .equal, name).run()
    }

    public func run() async throws {
        // Cancelled on shutdown, so the pause between ticks does not hold the process up.
        await cancelWhenGracefulShutdown {
            await WritePriority.$current.withValue(.background) { await self.tickUntilCancelled() }
        }
    }

    private func tickUntilCancelled() async {
        while !Task.isCancelled {
            do {
                try await tick()
            } catch {
                if Task.isCancelled { return }
                logger.warning("scheduler tick failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: tickInterval)
        }
    }

    /// Enqueues every run that is due now; returns how many this call claimed. Exposed for tests.
    @discardableResult
    public func tick() async throws -> Int {
        let now = queue.clock.now()
        let due = try await queue.database.read { db in
            try await db.select().columns("name", "schedule", "job_kind", "payload", "next_run_at").from("scheduled_tasks")
                .where("next_run_at", .lessThanOrEqual, now.millisecondsSince1970).all()
        }
        var claimed = 0
        for row in due {
            let name = try row.decode(column: "name", as: String.self)
            let dueAt = try row.decode(column: "next_run_at", as: Int64.self)
            let kind = try row.decode(column: "job_kind", as: String.self)
            let payload = try row.decode(column: "payload", as: String.self)
            guard let cron = try? CronSchedule(try row.decode(column: "schedule", as: String.self)) else { continue }
            let next = (cron.next(after: now) ?? .distantFuture).millisecondsSince1970
            let won = try await queue.database.transaction { [queue] db -> Bool in
                let updated = try await db.raw(
                    "UPDATE scheduled_tasks SET next_run_at = \(bind: next) WHERE name = \(bind: name) AND next_run_at = \(bind: dueAt) RETURNING name"
                ).first()
                guard updated != nil else { return false }
                try await queue.enqueue(kind: kind, payload: RawJSON(payload), uniqueKey: "cron:\(name):\(dueAt)", on: db)
                return true
            }
            if won { claimed += 1 }
        }
        return claimed
    }
}

/// A payload that is already JSON text, passed through unchanged.
struct RawJSON: Encodable {
    let text: String
    init(_ text: String) { self.text = text }
    func encode(to encoder: any Encoder) throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        try value.encode(to: encoder)
    }
}
