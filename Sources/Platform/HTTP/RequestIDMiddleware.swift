public import Hummingbird
public import HTTPTypes
public import NIOCore
import Logging

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
        var response = try await next(request, context)
        response.headers[.requestID] = requestID
        return response
    }

}

/// Who sent a request: the peer's address, or — only where a trusted proxy stands in front
/// (`BAZAAR_TRUST_FORWARDED_FOR`) — the first `X-Forwarded-For` entry. A gateway forwards the
/// address it settled on *instead of* the client's header, so a module behind it, which trusts
/// the header, can never be handed an address the client made up.
public enum ClientAddress {
    public static func of(_ request: Request, remote: SocketAddress?, trustForwardedFor: Bool) -> String {
        if trustForwardedFor, let forwarded = request.headers[.xForwardedFor],
            let first = forwarded.split(separator: ",").first?.trimmingCharacters(in: .whitespaces), !first.isEmpty
        {
            return first
        }
        return remote?.ipAddress ?? "unknown"
    }
}

extension HTTPField.Name {
    public static let requestID = HTTPField.Name("X-Request-Id")!
    public static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    public static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    public static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

import Foundation
