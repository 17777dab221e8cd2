public import Hummingbird

/// An error a module's service throws in its own terms (`CartError.aboveStock`), apart from
/// HTTP. The module says once, beside its routes, how each case is answered; the problem
/// middleware (and the GraphQL gateway, through the routes) then answers it like any `Problem`.
public protocol DomainError: Error {
    var problem: Problem { get }
}

/// Innermost on the router: a route's domain error becomes its problem before any other
/// middleware sees it, so rate-limit headers, the audit log and metrics treat it like any refusal.
public struct DomainErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any DomainError {
            throw error.problem
        }
    }
}
