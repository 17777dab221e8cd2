import Contracts
import Foundation
import PlatformCore
import SQLKit

/// The order state machine of api.md. `pending → confirmed | rejected` belongs to the saga (an
/// order is confirmed only once its stock is reserved); people move the rest.
enum OrderStatus: String, Codable, Sendable, CaseIterable {
    case pending, confirmed, rejected, shipped, delivered, cancelled

    func canMove(to next: OrderStatus) -> Bool {
        switch (self, next) {
        case (.pending, .confirmed), (.pending, .rejected), (.confirmed, .shipped), (.shipped, .delivered),
            (.pending, .cancelled), (.confirmed, .cancelled):
            true
        default:
            false
        }
    }

    /// Moves an admin may make by hand.
    var adminTargets: Set<OrderStatus> {
        switch self {
        case .pending: [.cancelled]
        case .confirmed: [.shipped, .cancelled]
        case .shipped: [.delivered]
        default: []
        }
    }

    /// Orders whose shipping details may still change.
    static let unshipped: [OrderStatus] = [.pending, .confirmed]
}

enum PaymentMethod: String, Codable, Sendable {
    case wallet
    case onDelivery
}

struct OrderLine: Codable, Sendable, Equatable {
    let productId: String
    let name: String
    let unitPrice: Money
    let quantity: Int
    let lineTotal: Money
}

struct OrderView: Codable, Sendable, Equatable {
    let id: String
    let userId: String
    let status: OrderStatus
    let items: [OrderLine]
    let total: Money
    let paymentMethod: PaymentMethod
    let shippingAddress: Address?
    let phone: String?
    let reason: String?
    let createdAt: Date
    let updatedAt: Date
}

extension OrderView {
    static let columns = [
        "id", "user_id", "status", "payment_method", "total_amount", "total_currency", "shipping_address", "phone", "reason", "created_at",
        "updated_at",
    ]

    /// The shipping address as `orders` and `ordering_customers` store it (JSON text).
    static func address(stored: String?) -> Address? {
        stored.flatMap { try? JSONDecoder().decode(Address.self, from: Data($0.utf8)) }
    }

    init(row: any SQLRow, lines: [OrderLine]) throws {
        id = try row.decode(column: "id", as: String.self)
        userId = try row.decode(column: "user_id", as: String.self)
        status = OrderStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending
        items = lines
        total = Money(
            amount: try row.decode(column: "total_amount", as: Int64.self),
            currency: try row.decode(column: "total_currency", as: String.self))
        paymentMethod = PaymentMethod(rawValue: try row.decode(column: "payment_method", as: String.self)) ?? .onDelivery
        shippingAddress = Self.address(stored: try row.decode(column: "shipping_address", as: String?.self))
        phone = try row.decode(column: "phone", as: String?.self)
        reason = try row.decode(column: "reason", as: String?.self)
        createdAt = Date(millisecondsSince1970: try row.decode(column: "created_at", as: Int64.self))
        updatedAt = Date(millisecondsSince1970: try row.decode(column: "updated_at", as: Int64.self))
    }
}
