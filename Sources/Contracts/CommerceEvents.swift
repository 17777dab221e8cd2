public import PlatformCore
public import PlatformEvents

/// Events that cross module boundaries in the commerce flow. Modules depend on these contracts,
/// never on each other.
public struct ProductChanged: Codable, Sendable, Equatable {
    public let productID: String
    public let sku: String
    public let name: String
    public let price: Money
    public let stock: Int

    public init(productID: String, sku: String, name: String, price: Money, stock: Int) {
        self.productID = productID
        self.sku = sku
        self.name = name
        self.price = price
        self.stock = stock
    }
}

/// The events after which product answers (listings, details, stock) may have changed.
public enum ProductEvents {
    /// Changes to the products themselves (name, price, existence), without stock movements.
    public static let changes = [ProductCreated.type, ProductUpdated.type, ProductDeleted.type]
    public static let types = changes + [StockReserved.type, StockReleased.type]
}

public struct ProductCreated: DomainEvent {
    public static let type = "product.created"
    public var aggregateID: String { product.productID }
    public let product: ProductChanged
    public init(product: ProductChanged) { self.product = product }
}

public struct ProductUpdated: DomainEvent {
    public static let type = "product.updated"
    public var aggregateID: String { product.productID }
    public let product: ProductChanged
    public init(product: ProductChanged) { self.product = product }
}

public struct ProductDeleted: DomainEvent {
    public static let type = "product.deleted"
    public var aggregateID: String { productID }
    public let productID: String
    public init(productID: String) { self.productID = productID }
}

public struct OrderLineQuantity: Codable, Sendable, Equatable {
    public let productID: String
    public let quantity: Int
    public init(productID: String, quantity: Int) {
        self.productID = productID
        self.quantity = quantity
    }
}

public struct OrderPlaced: DomainEvent, Equatable {
    public static let type = "order.placed"
    public static let decodesToItself = true
    public var aggregateID: String { orderID }
    public let orderID: String
    public let userID: String
    public let lines: [OrderLineQuantity]
    public let total: Money
    public let paymentMethod: String
    public let fromCart: Bool

    public init(orderID: String, userID: String, lines: [OrderLineQuantity], total: Money, paymentMethod: String, fromCart: Bool = false) {
        self.orderID = orderID
        self.userID = userID
        self.lines = lines
        self.total = total
        self.paymentMethod = paymentMethod
        self.fromCart = fromCart
    }
}

public struct OrderStatusChanged: DomainEvent, Equatable {
    public static let type = "order.status-changed"
    public static let decodesToItself = true
    public var aggregateID: String { orderID }
    public let orderID: String
    public let userID: String
    public let from: String
    public let to: String
    public let reason: String?

    public init(orderID: String, userID: String, from: String, to: String, reason: String?) {
        self.orderID = orderID
        self.userID = userID
        self.from = from
        self.to = to
        self.reason = reason
    }
}

public struct StockReserved: DomainEvent, Equatable {
    public static let type = "stock.reserved"
    public static let decodesToItself = true
    public var aggregateID: String { orderID }
    public let orderID: String
    public let lines: [OrderLineQuantity]
    public init(orderID: String, lines: [OrderLineQuantity]) {
        self.orderID = orderID
        self.lines = lines
    }
}

public struct StockRejection: Codable, Sendable, Equatable {
    public let productID: String
    public let requested: Int
    public let available: Int
    public let reason: String
    public init(productID: String, requested: Int, available: Int, reason: String) {
        self.productID = productID
        self.requested = requested
        self.available = available
        self.reason = reason
    }
}

public struct StockRejected: DomainEvent, Equatable {
    public static let type = "stock.rejected"
    public static let decodesToItself = true
    public var aggregateID: String { orderID }
    public let orderID: String
    public let lines: [StockRejection]
    public init(orderID: String, lines: [StockRejection]) {
        self.orderID = orderID
        self.lines = lines
    }
}

public struct StockReleased: DomainEvent, Equatable {
    public static let type = "stock.released"
    public static let decodesToItself = true
    public var aggregateID: String { orderID }
    public let orderID: String
    public let lines: [OrderLineQuantity]
    public init(orderID: String, lines: [OrderLineQuantity]) {
        self.orderID = orderID
        self.lines = lines
    }
}
