import HTTPTypes
public import Hummingbird
import PlatformHTTP

/// Reads `Authorization: Bearer …` and fills `context.user`. A present but invalid token is a
/// 401 right away (rather than silently treating the caller as anonymous).
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = BazaarRequestContext
    let verifier: TokenVerifier
    let apiKeys: APIKeys?

    public init(verifier: TokenVerifier, apiKeys: APIKeys? = nil) {
        self.verifier = verifier
        self.apiKeys = apiKeys
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            guard header.count > 7, header.prefix(7).lowercased() == "bearer " else { throw Problem.unauthorized }
            do {
                context.user = try await verifier.verify(String(header.dropFirst(7)))
            } catch {
                throw Problem(
                    .unauthorized, detail: "The access token is invalid, expired or revoked.",
                    headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
            }
        } else if let key = request.headers[.apiKey], let apiKeys {
            // Automation: an API key acts as its creator with the admin role, within its scope.
            guard let (user, scope) = try await apiKeys.verify(key) else {
                throw Problem(.unauthorized, detail: "The API key is invalid or revoked.")
            }
            if scope == .read && request.method != .get && request.method != .head {
                throw Problem(.forbidden, detail: "This API key is read-only.")
            }
            context.user = user
        } else {
            return try await next(request, context)
        }
        context.logger[metadataKey: "user.id"] = "\(context.user!.id)"
        return try await next(request, context)
    }
}
