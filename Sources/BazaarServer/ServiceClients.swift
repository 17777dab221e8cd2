import Contracts
import Foundation
import HTTPTypes
import PlatformHTTP
import Upstreams

/// Catalog over HTTP, for processes that serve Cart or Ordering without Catalog. One
/// `GET /products?ids=…` per 100 products; products it does not return are "not available",
/// anything else unexpected is a 502.
struct HTTPCatalogClient: CatalogClient {
    let upstream: Upstream
    let client: UpstreamClient

    private struct Page: Decodable {
        let items: [ProductSnapshot]
    }

    func products(ids: [String]) async throws -> [String: ProductSnapshot] {
        let unique = Array(Set(ids))
        var result: [String: ProductSnapshot] = [:]
        for start in stride(from: 0, to: unique.count, by: 100) {
            let query = unique[start..<min(start + 100, unique.count)].compactMap(Self.escaped).joined(separator: ",")
            let page: Page = try await ServiceCall.get("/api/v1/products?ids=" + query, token: nil, from: upstream, client: client)
            for snapshot in page.items { result[snapshot.id] = snapshot }
        }
        return result
    }

    private static func escaped(_ id: String) -> String? {
        id.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+?#,")))
    }
}

/// Cart over HTTP, acting as the user with the token of the request being served.
struct HTTPCartClient: CartClient {
    let upstream: Upstream
    let client: UpstreamClient

    private struct CartBody: Decodable {
        struct Item: Decodable {
            let productId: String
            let quantity: Int
        }
        let items: [Item]
    }

    func lines(userID: String, bearerToken: String?) async throws -> [CartLine] {
        let cart: CartBody = try await ServiceCall.get("/api/v1/cart", token: bearerToken, from: upstream, client: client)
        return cart.items.map { CartLine(productID: $0.productId, quantity: $0.quantity) }
    }
}

enum ServiceCall {
    /// A GET another module answers with 200 and JSON; anything else is a 502.
    static func get<Answer: Decodable>(
        _ target: String, token: String?, from upstream: Upstream, client: UpstreamClient
    ) async throws -> Answer {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        let reply = try await client.collect(.init(method: .get, target: target, headers: headers), from: upstream, limit: 16 * 1024 * 1024)
        guard reply.status == .ok else { throw Problem(.badGateway, detail: "The \(upstream.name) service answered \(reply.status.code).") }
        do {
            return try JSONDecoder().decode(Answer.self, from: reply.body)
        } catch {
            throw Problem(.badGateway, detail: "The \(upstream.name) service's answer could not be read.")
        }
    }
}
