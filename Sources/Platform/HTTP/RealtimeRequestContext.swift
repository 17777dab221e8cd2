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
