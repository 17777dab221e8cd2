public import Hummingbird
import PlatformCore

/// The list shape of every collection endpoint.
public struct ListResponse<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    public let items: [Item]
    @NullWhenAbsent public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// An optional answer field that is `null` when absent instead of missing: synthesized
/// `Encodable` leaves nil optionals out, and the documented schemas require the key
/// (`nextCursor` on the last page).
@propertyWrapper
public struct NullWhenAbsent<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

public enum Paging {
    public static let defaultLimit = 20
    public static let maxLimit = 100

    /// One keyset page: reads `limit` and `cursor` from the query, fetches one row more than
    /// asked to learn whether a next page exists, and builds its cursor from the last item.
    public static func keysetPage<Row: Sendable, Item: Encodable & Sendable>(
        _ request: Request, fetch: (KeysetCursor?, Int) async throws -> [Row], cursor key: (Row) -> KeysetCursor, view: (Row) -> Item
    ) async throws -> ListResponse<Item> {
        let limit = try limit(from: request)
        // `?cursor=` (empty) is the first page, as if absent.
        let cursor = try request.uri.queryParameters["cursor"].flatMap { $0.isEmpty ? nil : try KeysetCursor(decoding: String($0)) }
        let rows = try await fetch(cursor, limit + 1)
        let page = Array(rows.prefix(limit))
        return ListResponse(items: page.map(view), nextCursor: rows.count > limit ? page.last.map { key($0).encoded } : nil)
    }

    /// `limit` from the query: 1…100, default 20; anything else is a 400 naming the parameter.
    public static func limit(from request: Request) throws -> Int {
        guard let text = request.uri.queryParameters["limit"] else { return defaultLimit }
        guard let value = Int(String(text)), (1...maxLimit).contains(value) else {
            throw Problem.badRequest(
                "Invalid query parameter.", errors: [FieldError(field: "limit", message: "must be an integer from 1 to \(maxLimit)")])
        }
        return value
    }
}
