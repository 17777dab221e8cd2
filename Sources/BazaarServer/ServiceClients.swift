import Contracts
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Platform

/// Catalog over HTTP, for processes that serve Cart or Ordering without Catalog. Asks for the
/// products concurrently; a 404 means "not available", anything else unexpected is a 502.
struct HTTPCatalogClient: CatalogClient {
    let baseURL: URL
    let session: URLSession

    func products(ids: [String]) async throws -> [String: ProductSnapshot] {
        try await withThrowingTaskGroup(of: ProductSnapshot?.self) { group in
            for id in Set(ids) {
                group.addTask { try await product(id: id) }
            }
            var result: [String: ProductSnapshot] = [:]
            for try await snapshot in group { if let snapshot { result[snapshot.id] = snapshot } }
            return result
        }
    }

    private func product(id: String) async throws -> ProductSnapshot? {
        guard let escaped = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) else { return nil }
        let (data, status) = try await ServiceCall.get(baseURL.appendingPathComponent("api/v1/products").appendingPathComponent(escaped), token: nil, session: session)
        if status == 404 { return nil }
        guard status == 200 else { throw ServiceCall.badGateway("catalog", status: status) }
        return try JSONDecoder().decode(ProductSnapshot.self, from: data)
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
