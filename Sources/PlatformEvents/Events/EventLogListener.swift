import Logging
import PlatformDatabase
public import ServiceLifecycle

/// On PostgreSQL, LISTENs for commits of events in other processes and wakes this process's
/// consumers and followers through the database's change signal.
public struct EventLogListener: Service {
    let database: PostgresBackend
    let logger: Logger

    public init(database: PostgresBackend, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await database.listen(channel: EventLog.notifyChannel) { [changes = database.changes] payload in
                        // The payload lists the commit's event types; without one, wake everyone.
                        let types = payload.split(separator: ",").map(String.init)
                        changes.signal(topics: types.isEmpty ? nil : Set(types))
                    }
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("event listener lost its connection; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}
