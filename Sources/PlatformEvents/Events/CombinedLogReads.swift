import Synchronization

/// The event-log reads of one process's consumers, combined: a commit wakes every consumer of
/// its event types at once (an `order.placed` wakes stock, cart and wallet), and each read the
/// same new events in a query of its own. Here reads asked for while a query runs wait for the
/// next one, together; that one query reads the union of their types from the earliest of their
/// positions, and each gets the events after its own position, of its own types, up to its limit.
/// (A read asked for alone runs its own query at once, as before.) Consumers under load read at
/// shared instants (`WakeCoalescing`), so their reads meet here.
///
/// A read is only ever answered by a query that started after it was asked: a consumer woken by
/// a commit must see that commit. When the combined query came back full (`limit` rows), a read
/// that it gave fewer events than it asked for may be missing some past the last row, and runs
/// alone instead.
final class CombinedLogReads: Sendable {
    private struct Read {
        let position: EventPosition
        /// As asked for (empty: every type), and as a set (nil: every type).
        let typeList: [String]
        let types: Set<String>?
        let limit: Int
        let answer: CheckedContinuation<[EventEnvelope], any Error>

        /// The events of `events` (in log order) this read asked for, and whether they are all it
        /// could get from them.
        func events(in events: [EventEnvelope], complete: Bool) -> [EventEnvelope]? {
            let mine = Array(events.lazy.filter { $0.position > position && types?.contains($0.type) ?? true }.prefix(limit))
            return complete || mine.count == limit ? mine : nil
        }
    }

    private struct State {
        var waiting: [Read] = []
        var querying = false
        var combinedQueries = 0
    }

    private let log: EventLog
    private let limit: Int
    private let state = Mutex(State())

    init(log: EventLog, limit: Int = 500) {
        self.log = log
        self.limit = limit
    }

    /// How many queries answered more than one read (for tests).
    var combinedQueries: Int { state.withLock { $0.combinedQueries } }

    /// The events after `position` of `types` (all, when empty), oldest first, at most `limit`:
    /// what `EventLog.read` returns.
    func read(after position: EventPosition, types: [String], limit: Int) async throws -> [EventEnvelope] {
        try await withCheckedThrowingContinuation { answer in
            let leads = state.withLock { state in
                state.waiting.append(Read(position: position, typeList: types, types: types.isEmpty ? nil : Set(types), limit: limit, answer: answer))
                defer { state.querying = true }
                return !state.querying
            }
            if leads { Task { await self.answerWaitingReads() } }
        }
    }

    /// Runs one query per round of waiting reads until none wait.
    private func answerWaitingReads() async {
        while true {
            let round = state.withLock { state in
                defer { state.waiting = [] }
                if state.waiting.isEmpty { state.querying = false }
                return state.waiting
            }
            if round.isEmpty { return }
            await answer(round)
        }
    }

    private func answer(_ round: [Read]) async {
        guard round.count > 1, let from = round.map(\.position).min() else {
            for read in round { await answerAlone(read) }
            return
        }
        state.withLock { $0.combinedQueries += 1 }
        let types: [String]? = round.contains { $0.types == nil } ? nil : Set(round.flatMap { $0.types ?? [] }).sorted()
        let events: [EventEnvelope]
        do {
            events = try await log.read(after: from, types: types, limit: limit)
        } catch {
            for read in round { read.answer.resume(throwing: error) }
            return
        }
        for read in round {
            if let mine = read.events(in: events, complete: events.count < limit) {
                read.answer.resume(returning: mine)
            } else {
                await answerAlone(read)
            }
        }
    }

    private func answerAlone(_ read: Read) async {
        do {
            read.answer.resume(returning: try await log.read(after: read.position, types: read.typeList, limit: read.limit))
        } catch {
            read.answer.resume(throwing: error)
        }
    }
}
