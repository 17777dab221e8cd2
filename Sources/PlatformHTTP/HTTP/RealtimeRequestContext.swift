public import Hummingbird
public import HummingbirdWebSocket
public import NIOCore

/// The context of the WebSocket router: upgrade requests only (the realtime endpoints).
/// Authentication happens in the routes, which accept tokens where browsers can put them.
public struct RealtimeRequestContext: RequestContext, WebSocketRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
    }
}

extension Request {
    /// The access token of a realtime request: a bearer header, or a `token` query item (browsers
    /// cannot set headers on a WebSocket); nil when neither is there.
    public func realtimeToken() throws -> String? {
        if let header = headers[.authorization] {
            guard header.count > 7, header.prefix(7).lowercased() == "bearer " else { throw Problem.unauthorized }
            return String(header.dropFirst(7))
        }
        return uri.queryParameters["token"].map(String.init)
    }
}
