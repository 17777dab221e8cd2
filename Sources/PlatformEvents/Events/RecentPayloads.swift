import Foundation
import Synchronization

/// Event payloads decoded lately, by event id, shared by the consumers of this process. Most
/// events have several (an `order.placed` is handled by stock, cart and wallet; a status change
/// by stock, wallet and notifications), which read them at about the same time: each payload is
/// parsed once instead of once per consumer, and not at all when this process appended the event
/// (`keep`, for the types that decode to themselves). The oldest entry gives way to a new one.
/// (An event whose transaction rolled back is never asked for, and gives way in its turn.)
final class RecentPayloads: Sendable {
    static let shared = RecentPayloads(capacity: 4096)

    private struct State {
        var payloads: [String: any DomainEvent] = [:]
        /// Event ids in the order they came in, overwritten from the oldest.
        var arrivals: [String?]
        var next = 0
    }
    private let state: Mutex<State>

    init(capacity: Int) {
        state = Mutex(State(arrivals: Array(repeating: nil, count: max(capacity, 1))))
    }

    /// The payload of `event` as `Event`: kept from an earlier call, or parsed now and kept. Nil
    /// when it does not decode.
    func payload<Event: DomainEvent>(of event: EventEnvelope, as type: Event.Type) -> Event? {
        if let kept = state.withLock({ $0.payloads[event.id] }) as? Event { return kept }
        guard let decoded = try? JSONDecoder.events.decode(Event.self, from: Data(event.payload.utf8)) else { return nil }
        keep(decoded, id: event.id)
        return decoded
    }

    /// Keeps `payload` as the decoded payload of the event `id`.
    func keep(_ payload: any DomainEvent, id: String) {
        state.withLock { state in
            guard state.payloads.updateValue(payload, forKey: id) == nil else { return }
            if let oldest = state.arrivals[state.next] { state.payloads[oldest] = nil }
            state.arrivals[state.next] = id
            state.next = (state.next + 1) % state.arrivals.count
        }
    }

    /// How many payloads are kept (for tests).
    var count: Int { state.withLock { $0.payloads.count } }
}
