import Foundation
import HTTPTypes
import HummingbirdTesting

/// An amount of money as clients see it.
public struct Price: Codable, Sendable, Equatable {
    public let amount: Int64
    public let currency: String
    public init(amount: Int64, currency: String) {
        self.amount = amount
        self.currency = currency
    }
}

/// A product as clients see it.
public struct ProductBody: Decodable, Sendable, Equatable {
    public let id: String
    public let sku: String
    public let name: String
    public let description: String
    public let price: Price
    public let stock: Int
}

public struct Page<Item: Decodable & Sendable>: Decodable, Sendable {
    public let items: [Item]
    public let nextCursor: String?
}

extension TestBazaar {
    public func createProduct(
        admin: String, sku: String, name: String = "Widget", description: String = "A useful widget", price: Int64 = 1999,
        currency: String = "USD",
        stock: Int = 10
    ) async throws -> ProductBody {
        let body =
            #"{"sku":"\#(sku)","name":"\#(name)","description":"\#(description)","price":{"amount":\#(price),"currency":"\#(currency)"},"stock":\#(stock)}"#
        let response = try await request(.post, "/api/v1/products", token: admin, json: body)
        guard response.status == .created else { throw UnexpectedStatus(response) }
        return try response.decode(ProductBody.self)
    }

    public func product(_ id: String) async throws -> ProductBody? {
        let response = try await request(.get, "/api/v1/products/\(id)")
        return response.status == .ok ? try response.decode(ProductBody.self) : nil
    }
}

public struct OrderBody: Decodable, Sendable, Equatable {
    public struct Line: Decodable, Sendable, Equatable {
        public let productId: String
        public let name: String
        public let unitPrice: Price
        public let quantity: Int
    }
    public struct Address: Decodable, Sendable, Equatable {
        public let line1: String
        public let city: String
    }
    public let id: String
    public let userId: String
    public let status: String
    public let items: [Line]
    public let total: Price
    public let paymentMethod: String
    public let shippingAddress: Address?
    public let phone: String?
    public let reason: String?
}

extension TestBazaar {
    /// POSTs an order; returns the response (202 on acceptance).
    public func placeOrder(token: String, key: String = UUID().uuidString, json: String) async throws -> TestResponse {
        try await request(.post, "/api/v1/orders", token: token, json: json, headers: [.idempotencyKeyTest: key])
    }

    public func placeOrder(token: String, items: [(String, Int)], key: String = UUID().uuidString) async throws -> OrderBody {
        let lines = items.map { #"{"productId":"\#($0.0)","quantity":\#($0.1)}"# }.joined(separator: ",")
        let response = try await placeOrder(token: token, key: key, json: #"{"items":[\#(lines)],"paymentMethod":"onDelivery"}"#)
        guard response.status == .accepted else { throw UnexpectedStatus(response) }
        return try response.decode(OrderBody.self)
    }

    public func order(_ id: String, token: String) async throws -> OrderBody? {
        let response = try await request(.get, "/api/v1/orders/\(id)", token: token)
        return response.status == .ok ? try response.decode(OrderBody.self) : nil
    }

    /// Waits for the saga to move the order out of `pending`.
    public func settled(_ id: String, token: String) async throws -> OrderBody {
        // Generous: under the full suite on two cores, retries with backoff take a while.
        try await poll("order \(id) to leave pending", timeout: .seconds(30)) {
            guard let order = try await order(id, token: token), order.status != "pending" else { return nil }
            return order
        }
    }
}

extension HTTPField.Name {
    public static let idempotencyKeyTest = HTTPField.Name("Idempotency-Key")!
}

extension TestResponse {
    /// The order a 202 answered with (the same representation as GET /orders/{id}).
    public func placedOrder() throws -> OrderBody { try decode(OrderBody.self) }
}
