import Foundation
import HTTPTypes
import HummingbirdTesting

/// A product as clients see it.
public struct ProductBody: Decodable, Sendable, Equatable {
    public struct Money: Codable, Sendable, Equatable {
        public let amount: Int64
        public let currency: String
        public init(amount: Int64, currency: String) {
            self.amount = amount
            self.currency = currency
        }
    }
    public let id: String
    public let sku: String
    public let name: String
    public let description: String
    public let price: Money
    public let stock: Int
}

public struct Page<Item: Decodable & Sendable>: Decodable, Sendable {
    public let items: [Item]
    public let nextCursor: String?
}

extension TestBazaar {
    public func createProduct(
        admin: String, sku: String, name: String = "Widget", description: String = "A useful widget", price: Int64 = 1999, currency: String = "USD",
        stock: Int = 10
    ) async throws -> ProductBody {
        let body = #"{"sku":"\#(sku)","name":"\#(name)","description":"\#(description)","price":{"amount":\#(price),"currency":"\#(currency)"},"stock":\#(stock)}"#
        let response = try await request(.post, "/api/v1/products", token: admin, json: body)
        guard response.status == .created else { throw UnexpectedStatus(response) }
        return try response.decode(ProductBody.self)
    }

    public func product(_ id: String) async throws -> ProductBody? {
        let response = try await request(.get, "/api/v1/products/\(id)")
        return response.status == .ok ? try response.decode(ProductBody.self) : nil
    }
}
