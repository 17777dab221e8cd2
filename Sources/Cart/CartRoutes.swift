import Contracts
import Foundation
import Hummingbird
import Platform

struct CartView: ResponseEncodable, Sendable {
    struct Line: Encodable, Sendable {
        let productId: String
        let name: String
        let unitPrice: Money
        let quantity: Int
        let lineTotal: Money
        let available: Int
    }
    let items: [Line]
    /// The sum of all lines; null only if the lines are priced in different currencies.
    @NullWhenAbsent var total: Money?
    let itemCount: Int
}

struct QuantityBody: RequestPayload {
    static let allowedFields: Set<String> = ["quantity"]
    let quantity: Int
    func validate() -> [FieldError] {
        (0...1000).contains(quantity) ? [] : [FieldError(field: "quantity", message: "must be an integer from 0 to 1000")]
    }
}

struct CartRoutes: Sendable {
    let store: CartStore
    let catalog: any CatalogClient

    func add(to group: RouterGroup<AuthenticatedContext>) {
        group.get("cart") { _, context in try await view(userID: context.user.id) }
        group.put("cart/items/{productId}") { request, context -> CartView in
            let body = try await request.decodeBody(QuantityBody.self, context: context)
            let productID = context.parameters.get("productId") ?? ""
            if body.quantity > 0 {
                guard let product = try await catalog.products(ids: [productID])[productID] else { throw Problem.notFound("Product") }
                if body.quantity > product.stock {
                    throw Problem(
                        .conflict, detail: "Only \(product.stock) in stock.",
                        errors: [FieldError(field: "quantity", message: "exceeds the \(product.stock) available")])
                }
            }
            try await store.set(userID: context.user.id, productID: productID, quantity: body.quantity)
            return try await view(userID: context.user.id)
        }
        group.delete("cart/items/{productId}") { _, context -> HTTPResponse.Status in
            guard try await store.remove(userID: context.user.id, productID: context.parameters.get("productId") ?? "") else {
                throw Problem.notFound("Cart line")
            }
            return .noContent
        }
        group.delete("cart") { _, context -> HTTPResponse.Status in
            try await store.clear(userID: context.user.id)
            return .noContent
        }
    }

    /// Current prices for every line; a product deleted since it was added shows with 0 available.
    private func view(userID: String) async throws -> CartView {
        let lines = try await store.lines(userID: userID)
        let products = try await catalog.products(ids: lines.map(\.productID))
        var items: [CartView.Line] = []
        for line in lines {
            guard let product = products[line.productID] else { continue }
            items.append(CartView.Line(
                productId: line.productID, name: product.name, unitPrice: product.price, quantity: line.quantity,
                lineTotal: Money(amount: product.price.amount * Int64(line.quantity), currency: product.price.currency), available: product.stock))
        }
        let currencies = Set(items.map(\.unitPrice.currency))
        let total = currencies.count <= 1
            ? Money(amount: items.reduce(0) { $0 + $1.lineTotal.amount }, currency: currencies.first ?? "USD") : nil
        return CartView(items: items, total: total, itemCount: items.reduce(0) { $0 + $1.quantity })
    }
}
