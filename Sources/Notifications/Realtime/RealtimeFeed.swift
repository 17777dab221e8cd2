import Contracts
import Logging
import PlatformEvents
import ServiceLifecycle

/// Feeds the hub from the event log, so a notification written by any process reaches the
/// user's connections on this one (split-mode fan-out). Starts at the log's head: connections
/// that missed something replay it from the inbox.
struct RealtimeFeed: Service {
    let hub: NotificationHub
    let follower: EventFollower

    init(hub: NotificationHub, log: EventLog, logger: Logger) {
        self.hub = hub
        follower = EventFollower(log: log, types: [NotificationCreated.type], logger: logger)
    }

    func run() async throws {
        let start = try await follower.log.head()
        await cancelWhenGracefulShutdown {
            await follower.follow(from: start) { event in
                // Most notifications are for users with no connection here: those are not parsed.
                // (A user who connects meanwhile replays the inbox, as after any gap.)
                if let userID = event.aggregateID, !hub.isConnected(userID) { return }
                let created = try event.decode(NotificationCreated.self)
                if created.realtime { hub.publish(created.notification) }
            }
        }
    }
}
