public import Hummingbird

/// The list shape of every collection endpoint.
public struct ListResponse<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    public let items: [Item]
    public let nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

public enum Paging {
    public static let defaultLimit = 20
    public static let maxLimit = 100

    /// `limit` from the query: 1…100, default 20; anything else is a 400 naming the parameter.
    public static func limit(from request: Request) throws -> Int {
        guard let text = request.uri.queryParameters["limit"] else { return defaultLimit }
        guard let value = Int(String(text)), (1...maxLimit).contains(value) else {
            throw Problem.badRequest("Invalid query parameter.", errors: [FieldError(field: "limit", message: "must be an integer from 1 to \(maxLimit)")])
        }
        return value
    }
}
