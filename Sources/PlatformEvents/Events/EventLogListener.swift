import Logging
import PlatformDatabase
public import ServiceLifecycle

/// On PostgreSQL, LISTENs for commits of events (and queued jobs) in other processes and wakes
/// this process's consumers, followers and workers through the database's change signal.
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
                    try await database.listenForOtherProcesses { [changes = database.changes] topics in changes.signal(topics: topics) }
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("event listener lost its connection; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}
