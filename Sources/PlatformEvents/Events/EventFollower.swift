import Logging

/// Follows the event log from memory, not durably: every process applies what it needs for
/// itself (verification keys, realtime pushes). Wakes on commits (in this process, and from
/// others through LISTEN/NOTIFY), with a slow poll as a safety net.
public struct EventFollower: Sendable {
    public let log: EventLog
    public let types: [String]
    public let pollInterval: Duration
    let logger: Logger

    public init(log: EventLog, types: [String], pollInterval: Duration = .seconds(2), logger: Logger) {
        self.log = log
        self.types = types
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// Applies everything after `position` that can be read now; returns where to continue.
    public func catchUp(from position: EventPosition, apply: (EventEnvelope) async throws -> Void) async throws -> EventPosition {
        var position = position
        while true {
            let batch = try await log.read(after: position, types: types, limit: 500)
            for event in batch {
                try await apply(event)
                position = event.position
            }
            if batch.count < 500 { return position }
        }
    }

    /// Applies new events until the task is cancelled.
    public func follow(from start: EventPosition, apply: (EventEnvelope) async throws -> Void) async {
        var position = start
        var backoff = WakeBackoff()
        let topics: Set<String>? = types.isEmpty ? nil : Set(types)
        while !Task.isCancelled {
            let seen = log.database.changes.generation(for: topics)
            do {
                position = try await catchUp(from: position, apply: apply)
            } catch {
                if Task.isCancelled { return }
                logger.warning("event follower could not read the event log", metadata: ["types": "\(types)", "error": "\(error)"])
            }
            await log.database.changes.wait(after: seen, topics: topics, timeout: backoff.nextWait(poll: pollInterval))
            if log.database.changes.generation(for: topics) != seen { backoff.woke() }
        }
    }
}
