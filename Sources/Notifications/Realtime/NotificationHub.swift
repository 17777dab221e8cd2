import Contracts
import Foundation
import Metrics
import Synchronization

/// This process's realtime connections, by user. Publishing hands a notification to every
/// connection of its user; each connection has a bounded buffer, and a client too slow to keep
/// up loses the oldest (a WebSocket client catches up with `lastEventId`).
final class NotificationHub: Sendable {
    typealias Subscription = (id: UUID, messages: AsyncStream<NotificationMessage>)
    private let subscribers = Mutex<[String: [UUID: AsyncStream<NotificationMessage>.Continuation]]>([:])
    private let connections = Gauge(label: "bazaar_realtime_connections")

    func subscribe(userID: String) -> Subscription {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: NotificationMessage.self, bufferingPolicy: .bufferingNewest(256))
        let count = subscribers.withLock { subscribers in
            subscribers[userID, default: [:]][id] = continuation
            return subscribers.values.reduce(0) { $0 + $1.count }
        }
        connections.record(count)
        return (id, stream)
    }

    func unsubscribe(userID: String, id: UUID) {
        let (continuation, count) = subscribers.withLock { subscribers in
            let continuation = subscribers[userID]?.removeValue(forKey: id)
            if subscribers[userID]?.isEmpty == true { subscribers[userID] = nil }
            return (continuation, subscribers.values.reduce(0) { $0 + $1.count })
        }
        continuation?.finish()
        connections.record(count)
    }

    func publish(_ message: NotificationMessage) {
        let targets = subscribers.withLock { Array(($0[message.userId] ?? [:]).values) }
        for target in targets { target.yield(message) }
    }

    /// Whether `userID` has a connection here now.
    func isConnected(_ userID: String) -> Bool {
        subscribers.withLock { $0[userID] != nil }
    }

    var connectionCount: Int { subscribers.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}
