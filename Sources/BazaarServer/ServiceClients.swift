import Contracts
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Platform

/// Catalog over HTTP, for processes that serve Cart or Ordering without Catalog. One
/// `GET /products?ids=…` per 100 products; products it does not return are "not available",
/// anything else unexpected is a 502.
struct HTTPCatalogClient: CatalogClient {
    let baseURL: URL
    let session: URLSession

    private struct Page: Decodable {
        let items: [ProductSnapshot]
    }

    func products(ids: [String]) async throws -> [String: ProductSnapshot] {
        let unique = Array(Set(ids))
        var result: [String: ProductSnapshot] = [:]
        for start in stride(from: 0, to: unique.count, by: 100) {
            var components = URLComponents(url: baseURL.appendingPathComponent("api/v1/products"), resolvingAgainstBaseURL: false)
            components?.percentEncodedQueryItems = [
                URLQueryItem(name: "ids", value: unique[start..<min(start + 100, unique.count)].compactMap(Self.escaped).joined(separator: ","))
            ]
            guard let url = components?.url else { throw ServiceCall.badGateway("catalog", status: 0) }
            let (data, status) = try await ServiceCall.get(url, token: nil, session: session)
            guard status == 200 else { throw ServiceCall.badGateway("catalog", status: status) }
            for snapshot in try JSONDecoder().decode(Page.self, from: data).items { result[snapshot.id] = snapshot }
        }
        return result
    }

    private static func escaped(_ id: String) -> String? {
        id.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+?#,")))
    }
}

/// Cart over HTTP, acting as the user with the token of the request being served.
struct HTTPCartClient: CartClient {
    let baseURL: URL
    let session: URLSession

    private struct CartBody: Decodable {
        struct Item: Decodable {
            let productId: String
            let quantity: Int
        }
        let items: [Item]
    }

    func lines(userID: String, bearerToken: String?) async throws -> [CartLine] {
        let (data, status) = try await ServiceCall.get(baseURL.appendingPathComponent("api/v1/cart"), token: bearerToken, session: session)
        guard status == 200 else { throw ServiceCall.badGateway("cart", status: status) }
        return try JSONDecoder().decode(CartBody.self, from: data).items.map { CartLine(productID: $0.productId, quantity: $0.quantity) }
    }
}

enum ServiceCall {
    static func get(_ url: URL, token: String?, session: URLSession) async throws -> (Data, Int) {
        var request = URLRequest(url: url)
        request.timeoutInterval = 5
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        do {
            let (data, response) = try await session.data(for: request)
            return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
        } catch {
            throw Problem(.badGateway, detail: "A service this request needs did not answer.")
        }
    }

    static func badGateway(_ service: String, status: Int) -> Problem {
        Problem(.badGateway, detail: "The \(service) service answered \(status).")
    }

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 5
        configuration.httpMaximumConnectionsPerHost = 16
        return URLSession(configuration: configuration)
    }()
}
