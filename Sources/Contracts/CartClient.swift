/// A line of a user's cart, as Ordering reads it for `fromCart` orders.
public struct CartLine: Codable, Sendable, Equatable {
    public let productID: String
    public let quantity: Int
    public init(productID: String, quantity: Int) {
        self.productID = productID
        self.quantity = quantity
    }
}

/// What Ordering may ask Cart. `bearerToken` lets the HTTP implementation act as the user.
public protocol CartClient: Sendable {
    func lines(userID: String, bearerToken: String?) async throws -> [CartLine]
}
