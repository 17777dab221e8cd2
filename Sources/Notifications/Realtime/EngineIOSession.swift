import Foundation
import Synchronization

/// One Engine.IO v4 session: a queue of outgoing text packets that one transport drains at a
/// time — a long-polling GET, or the WebSocket writer after an upgrade — plus the ping state.
final class EngineIOSession: Sendable {
    let sid: String
    /// The token from the handshake URL (`?authorization=`), used when the Socket.IO connect
    /// packet carries none.
    let handshakeToken: String?
    private let state = Mutex(State())
    /// A polling client that stopped polling is dropped when this many packets wait for it.
    static let maxQueued = 1000

    enum Transport: Sendable { case polling, upgrading, websocket }

    private typealias Waiter = (id: UUID, continuation: CheckedContinuation<[String]?, Never>)

    private struct State {
        var queue: [String] = []
        var waiter: Waiter?
        /// A wait whose timeout fired before it registered (a loaded machine): it returns at once.
        var expired: UUID?
        var transport = Transport.polling
        var closed = false
        var lastPong = ContinuousClock.now
        var userID: String?
        var tasks: [Task<Void, Never>] = []
        var connectAttempts = MessageBudget()
    }

    init(sid: String, handshakeToken: String?, transport: Transport) {
        self.sid = sid
        self.handshakeToken = handshakeToken
        state.withLock { $0.transport = transport }
    }

    var transport: Transport { state.withLock { $0.transport } }
    var isClosed: Bool { state.withLock { $0.closed } }
    var userID: String? { state.withLock { $0.userID } }
    var lastPong: ContinuousClock.Instant { state.withLock { $0.lastPong } }

    func pong() { state.withLock { $0.lastPong = .now } }

    /// Sets the Socket.IO user once; false when the socket was already connected.
    func connect(userID: String) -> Bool {
        state.withLock { state in
            guard state.userID == nil else { return false }
            state.userID = userID
            return true
        }
    }

    /// False once the client sends CONNECT packets faster than `MessageBudget` allows.
    func mayAttemptConnect() -> Bool { state.withLock { $0.connectAttempts.spend() } }

    func setTransport(_ transport: Transport) { state.withLock { $0.transport = transport } }

    /// Keeps a task that ends with the session (pinger, notification forwarder).
    func own(_ task: Task<Void, Never>) {
        let closed = state.withLock { state in
            if !state.closed { state.tasks.append(task) }
            return state.closed
        }
        if closed { task.cancel() }
    }

    /// Queues a packet for whichever transport drains next. A client that stops draining is
    /// closed once too much waits for it.
    func send(_ packet: String) {
        let (waiter, packets, overflow) = state.withLock { state -> (Waiter?, [String], Bool) in
            guard !state.closed else { return (nil, [], false) }
            state.queue.append(packet)
            guard let waiter = state.waiter else { return (nil, [], state.queue.count > Self.maxQueued) }
            state.waiter = nil
            defer { state.queue = [] }
            return (waiter, state.queue, false)
        }
        waiter?.continuation.resume(returning: packets)
        if overflow { close() }
    }

    /// Waits up to `timeout` for packets; an empty array on timeout, nil once closed. One
    /// drainer at a time: a second concurrent call gets nil (the protocol forbids two polls).
    func nextPackets(timeout: Duration) async -> [String]? {
        let id = UUID()
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.release(waiter: id, with: [])
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let immediate: [String]?? = state.withLock { state in
                if state.closed || state.waiter != nil { return .some(nil) }
                if state.expired == id { return .some([]) }
                if !state.queue.isEmpty {
                    defer { state.queue = [] }
                    return .some(state.queue)
                }
                state.waiter = (id, continuation)
                return .none
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// Answers the waiting drainer now: `waiter` nil means whichever is waiting (a noop for
    /// the poll an upgrade ends), an id only that one (its own timeout).
    func release(waiter id: UUID? = nil, with packets: [String]) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiter, id == nil || waiter.id == id else {
                if let id { state.expired = id }
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.continuation.resume(returning: packets)
    }

    /// Ends the session: the waiting drainer gets nil, owned tasks are cancelled.
    func close() {
        let (waiter, tasks) = state.withLock { state -> (Waiter?, [Task<Void, Never>]) in
            guard !state.closed else { return (nil, []) }
            state.closed = true
            defer {
                state.waiter = nil
                state.tasks = []
            }
            return (state.waiter, state.tasks)
        }
        waiter?.continuation.resume(returning: nil)
        for task in tasks { task.cancel() }
    }
}
