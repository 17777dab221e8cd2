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

public protocol CatalogClient: Sendable {
    func products(ids: [String]) async throws -> [String: ProductSnapshot]
}
