public import HTTPTypes
public import Hummingbird
import Logging
import PlatformCore

/// Gives every request an id (the caller's `X-Request-Id` when it sent a sane one), puts it on
/// every log line of the request and echoes it in the response.
public struct RequestIDMiddleware: RouterMiddleware {
    public typealias Context = BazaarRequestContext
    private let trustForwardedFor: Bool

    public init(trustForwardedFor: Bool) {
        self.trustForwardedFor = trustForwardedFor
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[.requestID].flatMap { value in
            value.count <= 128 && value.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } ? value : nil
        }
        let requestID = incoming ?? context.id
        context.logger[metadataKey: "request.id"] = "\(requestID)"
        context.requestID = "\(requestID)"
        context.clientAddress = ClientAddress.of(request, remote: context.remoteAddress, trustForwardedFor: trustForwardedFor)
        var response = try await RequestTrace.$requestID.withValue(context.requestID) { try await next(request, context) }
        response.headers[.requestID] = requestID
        return response
    }

}

extension HTTPField.Name {
    public static let requestID = HTTPField.Name("X-Request-Id")!
    /// An API key (automation), read by the authentication middleware.
    public static let apiKey = HTTPField.Name("X-API-Key")!
    public static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    public static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    public static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

import Foundation
