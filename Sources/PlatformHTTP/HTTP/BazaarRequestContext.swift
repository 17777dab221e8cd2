public import Foundation
public import Hummingbird
import Logging
public import NIOCore

/// The request context of every route. `user` is filled by `AuthenticationMiddleware` when the
/// request carries a valid token; protected routes use `AuthenticatedContext` instead, which
/// makes the user non-optional.
public struct BazaarRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var user: AuthenticatedUser?
    public let remoteAddress: SocketAddress?
    public var clientAddress: String = "unknown"
    /// Set by `RequestIDMiddleware`; forwarded with calls the gateway makes for this request.
    public var requestID: String = ""

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The context of a request the gateway makes in-process on behalf of `parent`: same peer
    /// address and logger, fresh routing state.
    public init(subrequestOf parent: BazaarRequestContext) {
        coreContext = .init(source: SubrequestSource(logger: parent.logger))
        remoteAddress = parent.remoteAddress
    }

    private struct SubrequestSource: RequestContextSource {
        let logger: Logger
    }

    /// Request bodies are JSON documents of a few kilobytes; anything far larger is refused
    /// with 413 before it is buffered.
    public var maxUploadSize: Int { 64 * 1024 }
}

/// The caller of an authenticated request.
public struct AuthenticatedUser: Sendable, Equatable {
    public let id: String
    public let role: Role
    public let sessionID: String
    /// When the credential stops being accepted: the access token's expiry; nil for API keys.
    public let expiresAt: Date?

    public init(id: String, role: Role, sessionID: String, expiresAt: Date? = nil) {
        self.id = id
        self.role = role
        self.sessionID = sessionID
        self.expiresAt = expiresAt
    }
}

public enum Role: String, Codable, Sendable, CaseIterable {
    case user
    case admin
}

/// A route group with this context answers 401 unless a valid token came with the request.
public struct AuthenticatedContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let user: AuthenticatedUser
    public let clientAddress: String

    public init(context: BazaarRequestContext) throws {
        guard let user = context.user else { throw Problem.unauthorized }
        coreContext = context.coreContext
        self.user = user
        clientAddress = context.clientAddress
    }

    public var maxUploadSize: Int { 64 * 1024 }
}

/// A route group with this context answers 401 without a token and 403 for non-admins.
public struct AdminContext: ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let user: AuthenticatedUser

    public init(context: BazaarRequestContext) throws {
        guard let user = context.user else { throw Problem.unauthorized }
        guard user.role == .admin else { throw Problem.forbidden }
        coreContext = context.coreContext
        self.user = user
    }

    public var maxUploadSize: Int { 64 * 1024 }
}
