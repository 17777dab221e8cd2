import Foundation
import Logging
import Metrics
import PlatformCore
import PlatformDatabase
import PlatformHTTP
public import ServiceLifecycle
import SQLKit

/// Runs durable event handlers: reads batches after each handler's stored position, applies
/// each event in its own transaction, retries failures with backoff and parks an event in the
/// dead letters once it has failed `retry.maxAttempts` times. Wakes on commits in this process
/// and, through `EventLogListener`, on commits of other processes; polls slowly as a safety net.
public final class EventConsumerService: Service {
    public let handlers: [any EventHandler]
    private let database: any Database
    private let log: EventLog
    private let reads: CombinedLogReads
    private let deadLetters: DeadLetterStore
    private let retry: RetryPolicy
    private let pollInterval: Duration
    private let batchSize: Int
    /// Most events one transaction applies. On PostgreSQL each statement of a batch is a round
    /// trip and each commit a flush, paid per batch: at 100, stock reservations (the saga's first
    /// step) took about 50 ms a batch under a flat-out load and fell 2–3 s behind the orders; at
    /// 300, 0.15 s. On SQLite a batch holds the one writer, which every order waits for: 300 there
    /// raised the flat-out p99 of placing an order by a fifth to a half, and 100 keeps up.
    static func defaultBatchSize(_ engine: DatabaseEngine) -> Int { engine == .postgres ? 300 : 100 }
    private let logger: Logger
    /// Where events come from when not from the database log (Kafka consumer groups).
    let transport: (any EventTransport)?
    /// Whether consumers following the log record the ids of the events they apply
    /// (`processed_events`). Their stored position alone keeps an event from applying twice;
    /// the ids are for processes of the same consumer reading Kafka at the same time, as during
    /// a rolling switch to the Kafka transport. Without them a consumer following the log writes a
    /// row less per event it applies, about a third of the rows an order and its saga write.
    let recordsAppliedEvents: Bool

    public init(
        handlers: [any EventHandler], database: any Database, clock: any WallClock, retry: RetryPolicy = RetryPolicy(),
        pollInterval: Duration = .seconds(2), batchSize: Int? = nil, transport: (any EventTransport)? = nil,
        recordsAppliedEvents: Bool = false, logger: Logger
    ) {
        self.transport = transport
        self.recordsAppliedEvents = recordsAppliedEvents
        self.batchSize = batchSize ?? Self.defaultBatchSize(database.engine)
        self.handlers = handlers
        self.database = database
        self.log = EventLog(database: database, clock: clock)
        reads = CombinedLogReads(log: log)
        self.deadLetters = DeadLetterStore(database: database, clock: clock)
        self.retry = retry
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        // Loops stop at a clean point (between events or jobs) on shutdown.
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for handler in self.handlers {
                    group.addTask { await WritePriority.$current.withValue(.background) { await self.runLoop(handler) } }
                }
            }
        }
    }

    private func runLoop(_ handler: any EventHandler) async {
        var feed: TransportFeed?
        if let transport {
            guard let subscribed = await subscribe(handler, to: transport) else { return }
            feed = subscribed
        }
        // Attempts count per event: an event that succeeds on a retry must not spend the
        // attempts of the next one.
        var failing: (eventID: String, attempts: Int)?
        var position: EventPosition?
        var backoff = WakeBackoff()
        var coalescing = WakeCoalescing()
        // Woken only by commits of the handler's own event types (all, when it names none).
        let topics: Set<String>? = handler.eventTypes.isEmpty ? nil : Set(handler.eventTypes)
        while !Task.isCancelled {
            let seen = database.changes.generation(for: topics)
            do {
                if let feed {
                    // The poll itself waited for events; no database wake-up to wait for.
                    _ = try await drainOnce(handler, from: feed)
                    failing = nil
                    continue
                }
                let processed = try await drainOnce(handler, from: &position)
                failing = nil
                // A batch short of full took everything readable when it looked. A commit since
                // then has moved the generation past `seen`, and the wait returns at once: no
                // second read just to find the log empty.
                if processed >= batchSize { continue }
            } catch let failure as HandlerFailure {
                let attempts = failing?.eventID == failure.event.id ? failing!.attempts + 1 : 1
                failing = (failure.event.id, attempts)
                if attempts >= retry.maxAttempts {
                    logger.error(
                        "event parked in dead letters",
                        metadata: ["consumer": "\(handler.name)", "event": "\(failure.event.id)", "error": "\(failure.message)"])
                    try? await deadLetters.park(
                        consumer: handler.name, event: failure.event, error: failure.message, attempts: attempts, fromLog: feed == nil)
                    feed?.drop(eventID: failure.event.id)
                    failing = nil
                    position = nil  // parking moved the stored position past the event
                    continue
                }
                logger.warning(
                    "event handler failed; will retry",
                    metadata: ["consumer": "\(handler.name)", "event": "\(failure.event.id)", "attempt": "\(attempts)"])
                try? await Task.sleep(for: retry.delay(afterAttempt: attempts))
                continue
            } catch {
                if Task.isCancelled { return }
                logger.warning("event consumer could not read the log", metadata: ["consumer": "\(handler.name)", "error": "\(error)"])
                try? await Task.sleep(for: retry.delay(afterAttempt: 2))
                continue
            }
            await database.changes.wait(after: seen, topics: topics, timeout: backoff.nextWait(poll: pollInterval))
            if database.changes.generation(for: topics) != seen {
                backoff.woke()
                let pause = coalescing.pause(wokenAt: .now)
                await LoopTimer.sleep(for: pause)
            }
        }
        await feed?.subscription.close()
    }

    /// Joins the consumer's group, retrying while the transport is unreachable; nil once cancelled.
    private func subscribe(_ handler: any EventHandler, to transport: any EventTransport) async -> TransportFeed? {
        var attempt = 1
        while !Task.isCancelled {
            do {
                return TransportFeed(subscription: try await transport.subscribe(consumer: handler.name, eventTypes: handler.eventTypes))
            } catch {
                logger.warning(
                    "event consumer cannot subscribe; will retry", metadata: ["consumer": "\(handler.name)", "error": "\(error)"])
                try? await Task.sleep(for: retry.delay(afterAttempt: attempt))
                attempt += 1
            }
        }
        return nil
    }

    struct HandlerFailure: Error {
        let event: EventEnvelope
        let message: String
    }

    /// Applies every available event once; returns how many were applied. Exposed for tests
    /// that want to drive consumers deterministically.
    ///
    /// A batch is applied in one transaction (one commit, one position update). When any event
    /// of it fails, the batch rolls back and its events are applied one by one, so the failing
    /// event is isolated and retried on its own while the ones before it commit.
    @discardableResult
    public func drainOnce(_ handler: any EventHandler) async throws -> Int {
        var position: EventPosition?
        return try await drainOnce(handler, from: &position)
    }

    /// The same from `position`, the consumer's stored position as this loop last saw it (nil:
    /// read it), which is left where the applied batches moved it. A loop keeps it between polls
    /// and so reads only the log when nothing is new: one statement instead of two, on every poll
    /// of every consumer. Another instance of the consumer may have moved further meanwhile; the
    /// position `apply` locks is authoritative and replaces this one.
    func drainOnce(_ handler: any EventHandler, from position: inout EventPosition?) async throws -> Int {
        var reached: EventPosition
        if let position { reached = position } else { reached = try await ConsumerPositions.position(of: handler.name, database: database) }
        defer { position = reached }
        let batch = try await reads.read(after: reached, types: handler.eventTypes, limit: batchSize)
        return try await applyIsolatingFailures(batch, with: handler) { events in
            reached = max(reached, try await self.apply(events, after: reached, with: handler))
        }
    }

    /// The same from a transport: applied events are acknowledged (offsets committed) only after
    /// their transaction committed. Events carry no log position here; the dedupe by event id,
    /// and by the position the consumer reached while it followed the log, keeps a redelivered
    /// one from applying twice.
    func drainOnce(_ handler: any EventHandler, from feed: TransportFeed) async throws -> Int {
        let batch = try await feed.batch(limit: batchSize)
        let applied = try await applyIsolatingFailures(batch, with: handler) { try await self.applyDelivered($0, with: handler) }
        // A cancelled loop may stop half-way: what it did not apply must come again.
        if !batch.isEmpty, applied == batch.count { try await feed.acknowledge() }
        return applied
    }

    private func applyIsolatingFailures(
        _ read: [EventEnvelope], with handler: any EventHandler, apply: ([EventEnvelope]) async throws -> Void
    ) async throws -> Int {
        guard !read.isEmpty else { return 0 }
        let batch = handler.decodingAhead(read)
        if batch.count > 1 {
            do {
                let started = ContinuousClock.now
                try await apply(batch)
                logger.debug(
                    "applied batch",
                    metadata: ["consumer": "\(handler.name)", "size": "\(batch.count)", "took": "\(ContinuousClock.now - started)"])
                return batch.count
            } catch {
                logger.debug(
                    "batch failed; applying its events one at a time",
                    metadata: ["consumer": "\(handler.name)", "size": "\(batch.count)", "error": "\(error)"])
            }
        }
        var applied = 0
        for event in batch {
            if Task.isCancelled { break }
            do {
                try await apply([event])
                applied += 1
            } catch {
                throw HandlerFailure(event: event, message: String(describing: error))
            }
        }
        return applied
    }

    /// Applies the events the consumer has not applied yet, read after `expected`; returns its
    /// stored position after.
    private func apply(_ events: [EventEnvelope], after expected: EventPosition, with handler: any EventHandler) async throws -> EventPosition {
        guard let last = events.last?.position else { return expected }
        let engine = database.engine
        let ids = events.map(\.id)
        let recording = recordsAppliedEvents
        // Moves the position (recording the batch when asked to), if it is still where the batch
        // was read from (nil otherwise: nothing written).
        @Sendable func recordFromExpected(on db: any SQLDatabase) async throws -> Set<String>? {
            try await ConsumerPositions.markProcessed(
                consumer: handler.name, eventIDs: ids, advancingFrom: expected, to: last, recording: recording, on: db, engine: engine)
        }
        let (applied, position): (Int, EventPosition)
        // A batch that the handler would do nothing with (orders not taken from a cart, for the
        // cart) needs only its bookkeeping: one statement, on PostgreSQL without BEGIN and COMMIT.
        if try await changesNothing(events, for: handler), try await database.singleStatementWrite(recordFromExpected) != nil {
            (applied, position) = (events.count, last)
        } else {
            (applied, position) = try await database.transaction { db -> (Int, EventPosition) in
                // Usually the position is still where the batch was read from: then the
                // statement that records the batch moves it, and locks it as it does.
                if let fresh = try await recordFromExpected(on: db) {
                    try await handler.handle(batch: events.filter { fresh.contains($0.id) }, on: db)
                    return (events.count, last)
                }
                // Locking the position row serialises instances of one consumer across processes.
                let current = try await ConsumerPositions.lock(handler.name, on: db, engine: engine)
                // Another instance of this consumer may have applied some of them meanwhile.
                let pending = events.filter { current < $0.position }
                guard let last = pending.last?.position else { return (0, current) }
                let fresh = try await ConsumerPositions.markProcessed(
                    consumer: handler.name, eventIDs: pending.map(\.id), advancingTo: last, recording: recording, on: db, engine: engine)
                try await handler.handle(batch: pending.filter { fresh.contains($0.id) }, on: db)
                return (pending.count, last)
            }
        }
        Counter(label: "bazaar_events_consumed_total", dimensions: [("consumer", handler.name)]).increment(by: applied)
        if applied > 0 { handler.didCommit() }
        return position
    }

    /// Whether the handler would change nothing for the batch: it acts on none of its events, or
    /// it can tell from what is committed that there is nothing to do.
    private func changesNothing(_ events: [EventEnvelope], for handler: any EventHandler) async throws -> Bool {
        guard events.contains(where: handler.acts(on:)) else { return true }
        return try await !handler.acts(onBatch: events, committed: database)
    }

    private func applyDelivered(_ events: [EventEnvelope], with handler: any EventHandler) async throws {
        let applied = try await database.transaction { [engine = database.engine] db -> Int in
            let followed = try await ConsumerPositions.appliedWhileFollowingTheLog(consumer: handler.name, eventIDs: events.map(\.id), on: db)
            let unfollowed = events.filter { !followed.contains($0.id) }
            let fresh = try await ConsumerPositions.markProcessed(consumer: handler.name, eventIDs: unfollowed.map(\.id), on: db, engine: engine)
            let pending = unfollowed.filter { fresh.contains($0.id) }
            try await handler.handle(batch: pending, on: db)
            return pending.count
        }
        Counter(label: "bazaar_events_consumed_total", dimensions: [("consumer", handler.name)]).increment(by: applied)
        if applied > 0 { handler.didCommit() }
    }

    /// Re-runs a parked event through its consumer; the dead letter is removed when it succeeds.
    public func replay(deadLetterID: Int64) async throws {
        guard let letter = try await deadLetters.find(id: deadLetterID) else { throw Problem.notFound("Dead letter") }
        guard let handler = handlers.first(where: { $0.name == letter.consumer }) else {
            throw Problem.conflict("Consumer \(letter.consumer) is not served by this process.")
        }
        let event = letter.event
        do {
            try await database.transaction { [engine = database.engine] db in
                if try await ConsumerPositions.markProcessed(consumer: handler.name, eventID: event.id, on: db, engine: engine) {
                    try await handler.handle(event, on: db)
                }
                try await DeadLetterStore.delete(id: deadLetterID, on: db)
            }
        } catch let problem as Problem {
            throw problem
        } catch {
            try? await deadLetters.recordFailedReplay(id: deadLetterID, error: String(describing: error))
            throw Problem(.conflict, detail: "Replay failed again; the dead letter stays parked.")
        }
    }
}

extension EventConsumerService {
    /// How many events of the handler's types are waiting after its position: one count per
    /// type, each a range of the `(type, tx_id, id)` index (one count over all the types walked
    /// every event since the consumer's position).
    package func lag(of handler: any EventHandler) async throws -> Int {
        if transport != nil { return try await unapplied(by: handler).count }
        let position = try await ConsumerPositions.position(of: handler.name, database: database)
        return try await database.read { [engine = database.engine] db in
            var total = 0
            for type in handler.eventTypes {
                var query = SQLQueryString("SELECT COUNT(*) AS n FROM event_log WHERE ")
                EventLog.appendAfter(position, ofType: type, engine: engine, to: &query)
                total += try await db.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
            }
            return total
        }
    }

    /// How long the oldest event waiting for the handler has waited, in seconds; 0 when none waits.
    package func lagSeconds(of handler: any EventHandler) async throws -> Double {
        if transport != nil {
            guard let oldest = try await unapplied(by: handler).oldest else { return 0 }
            return max(0, log.clock.now().timeIntervalSince(oldest))
        }
        let position = try await ConsumerPositions.position(of: handler.name, database: database)
        guard let oldest = try await log.read(after: position, types: handler.eventTypes, limit: 1).first else { return 0 }
        return max(0, log.clock.now().timeIntervalSince(oldest.occurredAt))
    }
}

extension EventConsumerService {
    /// Events waiting across all handlers: 0 means every consumer has caught up (tests wait on it).
    public func lag() async throws -> Int {
        var total = 0
        for handler in handlers { total += try await lag(of: handler) }
        return total
    }
}

extension EventConsumerService {
    /// With a transport there is no log position: the events of the handler's types among the
    /// newest 10,000 that it has neither applied nor parked, nor passed while it followed the
    /// log, and when the oldest happened.
    func unapplied(by handler: any EventHandler) async throws -> (count: Int, oldest: Date?) {
        guard !handler.eventTypes.isEmpty else { return (0, nil) }
        return try await database.read { db in
            var query = SQLQueryString(
                "SELECT COUNT(*) AS n, MIN(occurred_at) AS oldest FROM (SELECT event_id, tx_id, id, occurred_at FROM event_log WHERE type IN ")
            query.appendBindList(handler.eventTypes)
            query.appendLiteral(
                " ORDER BY tx_id DESC, id DESC LIMIT 10000) AS recent WHERE NOT EXISTS (SELECT 1 FROM processed_events p WHERE p.consumer = "
            )
            query.appendInterpolation(bind: handler.name)
            query.appendLiteral(" AND p.event_id = recent.event_id) AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.consumer = ")
            query.appendInterpolation(bind: handler.name)
            query.appendLiteral(" AND d.event_id = recent.event_id) AND NOT EXISTS (SELECT 1 FROM event_consumers c WHERE c.name = ")
            query.appendInterpolation(bind: handler.name)
            query.appendLiteral(" AND (recent.tx_id, recent.id) <= (c.tx_id, c.seq))")
            let row = try await db.raw(query).first()
            return (
                try row?.decode(column: "n", as: Int.self) ?? 0,
                try row?.decode(column: "oldest", as: Int64?.self).map(Date.init(millisecondsSince1970:))
            )
        }
    }
}
