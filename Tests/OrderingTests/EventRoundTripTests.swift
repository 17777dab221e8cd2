import Contracts
import Foundation
import PlatformCore
import PlatformEvents
import Testing

/// Event types that say they decode to themselves are handed to this process's consumers as
/// they were appended, never parsed: decoding what is stored must give back the same value.
struct EventRoundTripTests {
    @Test
    func eventsOfTheOrderFlowDecodeToThemselves() throws {
        let money = Money(amount: 123_456_789_012, currency: "EUR")
        let lines = [OrderLineQuantity(productID: "p-1", quantity: 2), OrderLineQuantity(productID: "p-ü", quantity: 1)]
        try expectRoundTrip(OrderPlaced(orderID: "o-1", userID: "u-1", lines: lines, total: money, paymentMethod: "wallet", fromCart: true))
        try expectRoundTrip(OrderStatusChanged(orderID: "o-1", userID: "u-1", from: "pending", to: "rejected", reason: "\"quoted\"\n"))
        try expectRoundTrip(OrderStatusChanged(orderID: "o-1", userID: "u-1", from: "pending", to: "confirmed", reason: nil))
        try expectRoundTrip(StockReserved(orderID: "o-1", lines: lines))
        try expectRoundTrip(StockReleased(orderID: "o-1", lines: []))
        try expectRoundTrip(
            StockRejected(orderID: "o-1", lines: [StockRejection(productID: "p-1", requested: 3, available: 0, reason: "insufficient stock")]))
        try expectRoundTrip(WalletCredited(userID: "u-1", amount: money, balance: money, reason: "promotion", reference: "r-1"))
        try expectRoundTrip(WalletDebited(userID: "u-1", orderID: "o-1", amount: money, balance: Money(amount: 0, currency: "EUR")))
        try expectRoundTrip(WalletDebitDeclined(userID: "u-1", orderID: "o-1", amount: money, reason: "insufficient balance"))
    }

    private func expectRoundTrip<Event: DomainEvent & Equatable>(_ event: Event) throws {
        #expect(Event.decodesToItself)
        let decoded = try JSONDecoder.events.decode(Event.self, from: Data(SortedJSON.encode(event)))
        #expect(decoded == event, "\(Event.type)")
    }
}
