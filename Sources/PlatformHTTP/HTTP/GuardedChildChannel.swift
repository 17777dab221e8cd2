public import HummingbirdCore
public import Logging
public import NIOCore
import NIOHTTP1

/// Wraps the server's child channel (HTTP/1 with the WebSocket upgrade) with the connection
/// limits: `ConnectionGuard` goes first in every pipeline, `ParseErrorResponder` right after the
/// HTTP decoder, and a connection whose handler returned is closed even when the upgrade
/// negotiation failed (which used to leave it open).
public struct GuardedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Inner.Value

    let inner: Inner
    let limits: ConnectionLimits
    let registry: ConnectionRegistry

    public init(_ inner: Inner, limits: ConnectionLimits) {
        self.inner = inner
        self.limits = limits
        registry = ConnectionRegistry(limit: limits.maxConnections)
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(ConnectionGuard(limits: limits, registry: registry), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let decoder = try? channel.pipeline.syncOperations.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
            if let decoder {
                try channel.pipeline.syncOperations.addHandler(ParseErrorResponder(), position: .after(decoder.handler))
            }
            return value
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
        try? await value.channel.close()
    }
}

extension ConnectionLimits {
    /// The decoder limits Hummingbird's HTTP/1 channel applies, from these bounds.
    public var decoderConfiguration: HTTP1Channel.Configuration.DecoderConfiguration {
        .init(maxHeaderFieldSize: maxHeaderFieldBytes, maxHeaderListSize: maxHeaderBytes, maxHeaderFieldCount: maxHeaderCount)
    }
}
