import Contracts
import Foundation
@testable import Ordering
@testable import PlatformCore
import Testing

/// The order answer and the events of one order's saga are written by `SortedJSON` itself, not
/// left to Foundation, and come out exactly as Foundation writes them (stored answers are
/// replayed byte for byte; stored payloads are read by other processes).
struct HotPathJSONTests {
    private let price = Money(amount: 1_250, currency: "EUR")
    private let now = Date(timeIntervalSince1970: 1_764_592_425)

    @Test
    func theOrderAnswerIsWrittenHereAsFoundationWritesIt() throws {
        let line = OrderLine(productId: "p-1", name: "Mug \"blue\" / 2", unitPrice: price, quantity: 2, lineTotal: price)
        let address = Address(line1: "Main 1", line2: nil, city: "Zürich", postalCode: "8001", country: "CH")
        try expectWrittenHere(
            OrderView(
                id: "o-1", userId: "u-1", status: .pending, items: [line, line], total: price, paymentMethod: .onDelivery,
                shippingAddress: address, phone: "+41 44 000", reason: nil, createdAt: now, updatedAt: now))
        try expectWrittenHere(
            OrderView(
                id: "o-2", userId: "u-1", status: .rejected, items: [], total: price, paymentMethod: .wallet, shippingAddress: nil,
                phone: nil, reason: "insufficient stock", createdAt: now, updatedAt: now))
    }

    @Test
    func theSagasEventsAreWrittenHereAsFoundationWritesThem() throws {
        let lines = [OrderLineQuantity(productID: "p-1", quantity: 2)]
        try expectWrittenHere(OrderPlaced(orderID: "o-1", userID: "u-1", lines: lines, total: price, paymentMethod: "wallet", fromCart: true))
        try expectWrittenHere(StockReserved(orderID: "o-1", lines: lines))
        try expectWrittenHere(OrderStatusChanged(orderID: "o-1", userID: "u-1", from: "pending", to: "confirmed", reason: nil))
        try expectWrittenHere(WalletDebited(userID: "u-1", orderID: "o-1", amount: price, balance: price))
        let message = NotificationMessage(
            id: "n-1", userId: "u-1", kind: "order.confirmed", title: "Order confirmed", body: "12.50 EUR\nthanks", createdAt: now,
            readAt: nil, eventId: "42")
        try expectWrittenHere(NotificationCreated(notification: message, realtime: true))
    }

    private func expectWrittenHere<Value: Encodable>(_ value: Value, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let foundation = Array(try SortedJSON.foundation.encode(value))
        #expect(SortedJSON.writtenHere(value) == foundation, "\(String(decoding: foundation, as: UTF8.self))", sourceLocation: sourceLocation)
    }
}
