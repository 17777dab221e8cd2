public import Hummingbird

/// Reads `Authorization: Bearer …` and fills `context.user`. A present but invalid token is a
/// 401 right away (rather than silently treating the caller as anonymous).
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = BazaarRequestContext
    let verifier: TokenVerifier

    public init(verifier: TokenVerifier) { self.verifier = verifier }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else { throw Problem.unauthorized }
        var context = context
        do {
            context.user = try await verifier.verify(String(header.dropFirst(7)))
        } catch {
            throw Problem(.unauthorized, detail: "The access token is invalid, expired or revoked.", headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
        }
        context.logger[metadataKey: "user.id"] = "\(context.user!.id)"
        return try await next(request, context)
    }
}
