public import Hummingbird
import Logging
import NIOCore

/// Turns every error into a problem+json response. Unknown errors become a bare 500 whose
/// details go to the log (with the request id), never to the client.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteMethods?

    public init(routes: RouteMethods? = nil) { self.routes = routes }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as any DomainError {
            return try error.problem.response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try Problem(.contentTooLarge, detail: "The request body is larger than \(context.maxUploadSize) bytes.").response(
                from: request, context: context)
        } catch let error as HTTPError {
            let detail: String? =
                switch error.status {
                case .contentTooLarge: "The request body is larger than \(context.maxUploadSize) bytes."
                case .notFound: "No such resource."
                case .methodNotAllowed: "This method is not allowed here."
                default: error.body
                }
            var headers = error.headers
            headers[.contentType] = nil
            if error.status == .notFound, let allowed = routes?.allowed(for: request.uri.path), !allowed.isEmpty {
                headers[.allow] = allowed.joined(separator: ", ")
                return try Problem(
                    .methodNotAllowed, detail: "\(request.method) is not allowed here; use \(allowed.joined(separator: " or ")).",
                    headers: headers
                )
                .response(from: request, context: context)
            }
            return try Problem(error.status, detail: detail, headers: headers).response(from: request, context: context)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return try Problem(.internalServerError, detail: "An unexpected error occurred.").response(from: request, context: context)
        }
    }
}
