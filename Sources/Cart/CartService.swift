import Contracts
import PlatformCore

/// What Cart refuses, apart from HTTP; `CartRoutes` says how each is answered.
enum CartError: Error, Equatable {
    case noSuchProduct
    case aboveStock(available: Int)
    case noSuchLine
}

/// Cart's rules: a quantity within the stock on hand, lines priced now.
struct CartService: Sendable {
    let store: CartStore
    let catalog: any CatalogClient

    func setQuantity(_ quantity: Int, of productID: String, userID: String) async throws -> CartView {
        if quantity > 0 {
            guard let product = try await catalog.products(ids: [productID])[productID] else { throw CartError.noSuchProduct }
            if quantity > product.stock { throw CartError.aboveStock(available: product.stock) }
        }
        try await store.set(userID: userID, productID: productID, quantity: quantity)
        return try await view(userID: userID)
    }

    func remove(_ productID: String, userID: String) async throws {
        guard try await store.remove(userID: userID, productID: productID) else { throw CartError.noSuchLine }
    }

    func clear(userID: String) async throws {
        try await store.clear(userID: userID)
    }

    /// Current prices for every line; a product deleted since it was added is left out.
    func view(userID: String) async throws -> CartView {
        let lines = try await store.lines(userID: userID)
        let products = try await catalog.products(ids: lines.map(\.productID))
        var items: [CartView.Line] = []
        for line in lines {
            guard let product = products[line.productID] else { continue }
            items.append(
                CartView.Line(
                    productId: line.productID, name: product.name, unitPrice: product.price, quantity: line.quantity,
                    lineTotal: Money(amount: product.price.amount * Int64(line.quantity), currency: product.price.currency),
                    available: product.stock))
        }
        let currencies = Set(items.map(\.unitPrice.currency))
        let total =
            currencies.count <= 1
            ? Money(amount: items.reduce(0) { $0 + $1.lineTotal.amount }, currency: currencies.first ?? "USD") : nil
        return CartView(items: items, total: total, itemCount: items.reduce(0) { $0 + $1.quantity })
    }
}
