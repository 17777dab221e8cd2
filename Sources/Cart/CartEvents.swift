import Contracts
import PlatformEvents
import SQLKit

/// Empties the ordered lines from the cart once an order taken from it is accepted.
struct CartCheckout: EventHandler {
    let name = "cart.checkout"
    let handledEvents: [any DomainEvent.Type] = [OrderPlaced.self]
    let store: CartStore

    func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
        let order = try event.decode(OrderPlaced.self)
        guard order.fromCart else { return }
        try await CartStore.removeOrdered(order, on: db)
    }

    /// An order of items named in the request leaves the cart alone (one that cannot be decoded
    /// goes to `handle`, which reports it).
    func acts(on event: EventEnvelope) -> Bool {
        (try? event.decode(OrderPlaced.self))?.fromCart ?? true
    }
}
