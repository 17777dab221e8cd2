public import PlatformCore

/// What Cart (and anyone else) may ask Catalog, in-process in `bazaar run` and over HTTP when
/// split. Deleted or unknown products are simply absent from the answer.
public struct ProductSnapshot: Codable, Sendable, Equatable {
    public let id: String
    public let name: String
    public let price: Money
    public let stock: Int

    public init(id: String, name: String, price: Money, stock: Int) {
        self.id = id
        self.name = name
        self.price = price
        self.stock = stock
    }
}

/// What an order takes of a product: its name and price.
public struct ProductOffer: Sendable, Equatable {
    public let id: String
    public let name: String
    public let price: Money

    public init(_ product: ProductSnapshot) {
        id = product.id
        name = product.name
        price = product.price
    }
}

public protocol CatalogClient: Sendable {
    func products(ids: [String]) async throws -> [String: ProductSnapshot]
    /// Name and price only, for placing an order. Stock, which every order changes, is not part
    /// of it, so Catalog may answer from memory that only product changes empty.
    func offers(ids: [String]) async throws -> [String: ProductOffer]
}

extension CatalogClient {
    public func offers(ids: [String]) async throws -> [String: ProductOffer] {
        try await products(ids: ids).mapValues(ProductOffer.init)
    }
}
