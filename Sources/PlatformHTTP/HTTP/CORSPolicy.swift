import Foundation
import HTTPTypes
public import Hummingbird

/// Cross-origin access for browser clients on other origins (a storefront, Socket.IO's
/// long-polling). Off unless origins are configured: same-origin pages need none. Allowed
/// origins get Hummingbird's CORS answers (preflights answered before authentication and rate
/// limits, headers on every answer including problems); any other origin gets no CORS headers,
/// so the browser keeps the answer from the page. Tokens travel as bearer headers, never
/// cookies, so credentials are not allowed.
public struct CORSPolicy<Context: RequestContext>: RouterMiddleware {
    let origins: CORSOrigins
    let cors: CORSMiddleware<Context>
    /// Response headers a page may read. Hummingbird sends them on preflights only, where
    /// browsers ignore them (Fetch reads them from the actual response), so they are added here.
    let exposedHeaders = [HTTPField.Name.requestID, .rateLimit, .rateLimitPolicy, .retryAfter, .location, .idempotentReplayed]
        .map(\.canonicalName).joined(separator: ", ")

    public init(origins: CORSOrigins) {
        self.origins = origins
        cors = CORSMiddleware(
            allowOrigin: origins == .any ? .all : .originBased,
            allowHeaders: [.accept, .authorization, .contentType, .origin, .apiKey, .idempotencyKey, .requestID],
            allowMethods: [.get, .head, .post, .put, .patch, .delete, .options],
            maxAge: .seconds(600))
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.admit(origin) else { return try await next(request, context) }
        var response = try await cors.handle(request, context: context, next: next)
        if request.method != .options { response.headers[.accessControlExposeHeaders] = exposedHeaders }
        return response
    }
}

/// The origins `CORSPolicy` answers.
public enum CORSOrigins: Sendable, Equatable {
    case any
    case only(Set<String>)

    func admit(_ origin: String) -> Bool {
        switch self {
        case .any: true
        case .only(let allowed): allowed.contains(origin)
        }
    }

    /// `*`, or origins separated by commas (`https://shop.example.com,http://localhost:3000`);
    /// nil for an empty list, throws for an entry that is not a bare scheme://host[:port].
    public static func parse(_ text: String) throws -> CORSOrigins? {
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if entries == ["*"] { return .any }
        guard !entries.isEmpty else { return nil }
        for entry in entries {
            guard let url = URL(string: entry), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil,
                url.path.isEmpty, url.query == nil, !entry.hasSuffix("/")
            else { throw InvalidOrigin(entry: entry) }
        }
        return .only(Set(entries))
    }

    public struct InvalidOrigin: Error, CustomStringConvertible {
        public let entry: String
        public var description: String { "'\(entry)' is not an origin such as https://shop.example.com (or use * alone)" }
    }
}
