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
}
