import Hummingbird
import PlatformCore
import PlatformHTTP

/// Cart's HTTP face: decodes requests and calls `CartService`; its refusals are answered as below.
struct CartRoutes: Sendable {
    let service: CartService

    func add(to group: RouterGroup<AuthenticatedContext>) {
        group.get("cart") { _, context in try await service.view(userID: context.user.id) }
        group.put("cart/items/{productId}") { request, context -> CartView in
            let body = try await request.decodeBody(QuantityPayload.self, context: context)
            return try await service.setQuantity(body.quantity, of: context.parameters.get("productId") ?? "", userID: context.user.id)
        }
        group.delete("cart/items/{productId}") { _, context -> HTTPResponse.Status in
            try await service.remove(context.parameters.get("productId") ?? "", userID: context.user.id)
            return .noContent
        }
        group.delete("cart") { _, context -> HTTPResponse.Status in
            try await service.clear(userID: context.user.id)
            return .noContent
        }
    }
}

extension CartError: DomainError {
    var problem: Problem {
        switch self {
        case .noSuchProduct: Problem.notFound("Product")
        case .noSuchLine: Problem.notFound("Cart line")
        case .aboveStock(let available):
            Problem(
                .conflict, detail: "Only \(available) in stock.",
                errors: [FieldError(field: "quantity", message: "exceeds the \(available) available")])
        }
    }
}
