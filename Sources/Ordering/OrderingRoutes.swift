import Contracts
import Foundation
import Hummingbird
import PlatformCore
import PlatformHTTP

extension OrderView: ResponseEncodable {}

/// Ordering's HTTP face: decodes requests and calls `OrderingService`, whose refusals
/// (`OrderingError`) are answered as problems.
struct OrderingRoutes: Sendable {
    let service: OrderingService
    let store: OrderStore

    func addAuthenticated(to group: RouterGroup<AuthenticatedContext>) {
        group.post("orders") { request, context -> Response in
            let key = try IdempotencyKey.parse(request.headers[.idempotencyKey])
            let payload = try await request.decodeBody(PlaceOrderPayload.self, context: context)
            let token = request.headers[.authorization].map { String($0.dropFirst("Bearer ".count)) }
            let reply = try await service.place(payload, key: key, userID: context.user.id, bearerToken: token)
            var headers: HTTPFields = [.contentType: "application/json"]
            if reply.replayed { headers[.idempotentReplayed] = "true" }
            if reply.status == 202, let placed = try? JSONDecoder().decode(PlacedOrderID.self, from: Data(reply.body.utf8)) {
                headers[.location] = "/api/v1/orders/\(placed.id)"
            }
            return Response(status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: reply.body)))
        }
        group.get("orders") { request, context -> ListResponse<OrderView> in
            try await page(request, filter: OrderStore.Filter(userID: context.user.id))
        }
        group.get("orders/{id}") { _, context -> OrderView in
            try await service.order(context.parameters.get("id") ?? "", ownedBy: context.user.id)
        }
        group.post("orders/{id}/cancel") { _, context -> OrderView in
            try await service.cancel(orderID: context.parameters.get("id") ?? "", userID: context.user.id)
        }
    }

    func addAdmin(to admin: RouterGroup<AdminContext>) {
        admin.get("orders") { request, _ -> ListResponse<OrderView> in
            var filter = OrderStore.Filter()
            filter.userID = request.uri.queryParameters["userId"].map(String.init)
            if let status = request.uri.queryParameters["status"] {
                guard let parsed = OrderStatus(rawValue: String(status)) else {
                    throw Problem.badRequest(
                        "Invalid query parameter.",
                        errors: [
                            FieldError(
                                field: "status", message: "must be one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                        ])
                }
                filter.status = parsed
            }
            return try await page(request, filter: filter)
        }
        admin.put("orders/{id}/status") { request, context -> OrderView in
            let payload = try await request.decodeBody(StatusPayload.self, context: context)
            return try await service.adminMove(orderID: context.parameters.get("id") ?? "", to: payload.status)
        }
    }

    private func page(_ request: Request, filter: OrderStore.Filter) async throws -> ListResponse<OrderView> {
        try await Paging.keysetPage(
            request, fetch: { try await store.list(filter, after: $0, limit: $1) },
            cursor: { KeysetCursor(timestamp: $0.createdAt.millisecondsSince1970, id: $0.id) }, view: { $0 })
    }
}
