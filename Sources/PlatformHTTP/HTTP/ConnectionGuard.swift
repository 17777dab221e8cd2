import Logging
public import NIOCore
import NIOHTTP1
import Synchronization

/// Bounds on what one TCP connection may hold of the server, enforced below HTTP parsing so
/// that no request reaches a handler before they pass.
public struct ConnectionLimits: Sendable {
    /// Open connections per process; the newest beyond it takes the place of the longest idle
    /// one, or is refused with 503 when none is idle. Capped below the open-file limit.
    public var maxConnections = 1_000
    /// A request's head (request line and headers) must arrive within this long of its first byte.
    public var headerTimeout: TimeAmount = .seconds(10)
    /// A connection with no request under way is closed after this long (keep-alive idle).
    public var idleTimeout: TimeAmount = .seconds(60)
    /// Request line longer than this: 414.
    public var maxRequestLineBytes = 8 * 1024
    /// One header line, all headers together, and how many: past them, 431.
    public var maxHeaderFieldBytes = 16 * 1024
    public var maxHeaderBytes = 32 * 1024
    public var maxHeaderCount = 100

    public init() {}
}

/// The connections of one server: how many are open, and which of them wait for a request (the
/// ones to close first when a new connection needs the place).
final class ConnectionRegistry: Sendable {
    private struct State {
        var open = 0
        /// Connections awaiting a request head, by when they started waiting.
        var idle: [ObjectIdentifier: (since: NIODeadline, channel: any Channel)] = [:]
    }
    private let state = Mutex(State())
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Counts a new connection in. At the limit, closes the longest idle connection to make room;
    /// false when none is idle (the caller refuses the new one).
    func admit() -> Bool {
        let evicted: (any Channel)?? = state.withLock { state in
            guard state.open >= limit else {
                state.open += 1
                return .some(nil)
            }
            guard let oldest = state.idle.min(by: { $0.value.since < $1.value.since }) else { return .none }
            state.idle[oldest.key] = nil
            state.open += 1  // the evicted one leaves through `closed`
            return .some(oldest.value.channel)
        }
        switch evicted {
        case .none: return false
        case .some(let channel):
            channel?.close(promise: nil)
            return true
        }
    }

    func closed(_ id: ObjectIdentifier) {
        state.withLock { state in
            state.open -= 1
            state.idle[id] = nil
        }
    }

    func waiting(_ id: ObjectIdentifier, channel: any Channel, since: NIODeadline) {
        state.withLock { $0.idle[id] = (since, channel) }
    }

    func busy(_ id: ObjectIdentifier) {
        _ = state.withLock { $0.idle.removeValue(forKey: id) }
    }

    var openConnections: Int { state.withLock { $0.open } }
}

/// First in every connection's pipeline, on raw bytes: admits the connection (or refuses it
/// cheaply with 503), times out heads that do not arrive and connections left idle, and refuses
/// an over-long request line with 414. Steps aside once the connection upgrades to WebSocket.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        /// Between requests: `received` bytes of the next head so far, `lineEnded` once the
        /// request line is complete.
        case awaitingHead(received: Int, lineEnded: Bool)
        case inRequest
        case upgraded
        case refused
    }

    private let limits: ConnectionLimits
    private let registry: ConnectionRegistry
    private var phase = Phase.awaitingHead(received: 0, lineEnded: false)
    /// The last three bytes read, to find `\r\n\r\n` across reads.
    private var tail: UInt32 = 0
    private var timer: Scheduled<Void>?
    private var admitted = false

    init(limits: ConnectionLimits, registry: ConnectionRegistry) {
        self.limits = limits
        self.registry = registry
    }

    private func id(_ context: ChannelHandlerContext) -> ObjectIdentifier { ObjectIdentifier(context.channel) }

    func channelActive(context: ChannelHandlerContext) {
        guard registry.admit() else {
            phase = .refused
            Self.answer(context, status: "503 Service Unavailable", extra: "Retry-After: 1\r\n")
            context.fireChannelActive()
            return
        }
        admitted = true
        // A new connection owes its first request promptly; a kept-alive one may idle longer.
        waitForHead(context, timeout: limits.headerTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if admitted { registry.closed(id(context)) }
        admitted = false
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch phase {
        case .upgraded, .inRequest:
            context.fireChannelRead(data)
        case .refused:
            return
        case .awaitingHead(let received, let lineEnded):
            let buffer = unwrapInboundIn(data)
            if received == 0 { startHead(context) }
            var lineEnded = lineEnded
            var headEnded = false
            var count = received
            for byte in buffer.readableBytesView {
                count += 1
                tail = (tail << 8) | UInt32(byte)
                if !lineEnded, byte == UInt8(ascii: "\n") { lineEnded = true }
                if tail == 0x0D0A_0D0A {
                    headEnded = true
                    break
                }
            }
            if !lineEnded, count > limits.maxRequestLineBytes {
                phase = .refused
                Self.answer(context, status: "414 URI Too Long")
                return
            }
            if headEnded {
                phase = .inRequest
                tail = 0
                timer?.cancel()
                registry.busy(id(context))
            } else {
                phase = .awaitingHead(received: count, lineEnded: lineEnded)
            }
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch phase {
        case .inRequest:
            // The first bytes of an answer: the request is done reading its head; a 101 hands
            // the connection to WebSocket, anything else makes it wait for the next request.
            let buffer = unwrapOutboundIn(data)
            if buffer.readableBytesView.starts(with: Self.switchingProtocols) {
                phase = .upgraded
            } else {
                waitForHead(context)
            }
        case .awaitingHead:
            // More of a response (a streamed body) keeps the connection alive.
            armTimer(context, after: limits.idleTimeout)
        case .upgraded, .refused:
            break
        }
        context.write(data, promise: promise)
    }

    private func waitForHead(_ context: ChannelHandlerContext, timeout: TimeAmount? = nil) {
        phase = .awaitingHead(received: 0, lineEnded: false)
        tail = 0
        registry.waiting(id(context), channel: context.channel, since: .now())
        armTimer(context, after: timeout ?? limits.idleTimeout)
    }

    private func startHead(_ context: ChannelHandlerContext) {
        armTimer(context, after: limits.headerTimeout, answering: "408 Request Timeout")
    }

    private func armTimer(_ context: ChannelHandlerContext, after delay: TimeAmount, answering status: String? = nil) {
        timer?.cancel()
        // Cancelled when the connection closes, so holding the handler until then is fine.
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: delay) {
            bound.value.handler.timedOut(bound.value.context, answering: status)
        }
    }

    private func timedOut(_ context: ChannelHandlerContext, answering status: String?) {
        phase = .refused
        if let status { Self.answer(context, status: status) } else { context.close(promise: nil) }
    }

    /// A minimal answer written straight to the socket, then the connection closes.
    private static func answer(_ context: ChannelHandlerContext, status: String, extra: String = "") {
        let text = "HTTP/1.1 \(status)\r\nConnection: close\r\nContent-Length: 0\r\n\(extra)\r\n"
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)  // the write completes on this loop
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: text))).whenComplete { _ in
            bound.value.close(promise: nil)
        }
    }

    private static let switchingProtocols = Array("HTTP/1.1 101".utf8)
}

/// Right after the HTTP decoder: a request the decoder cannot parse (bad request line, invalid
/// bytes, headers past the limits) is answered 400 or 431 and the connection closed. Without
/// it, the WebSocket-upgrade pipeline left such a connection open and silent. Every other
/// event passes through untouched, WebSocket frames after an upgrade included.
final class ParseErrorResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        let status: HTTPResponseStatus = parseError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: ["Connection": "close", "Content-Length": "0"])
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)  // the write completes on this loop
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
            bound.value.close(promise: nil)
        }
    }
}
