import Foundation
import HTTPTypes
public import Hummingbird
public import PlatformEvents
public import PlatformHTTP
public import Upstreams

/// A module served by other processes, and the paths the gateway sends there.
public struct ProxyRoute: Sendable {
    public let upstream: Upstream
    public let pathPrefixes: [String]

    public init(upstream: Upstream, pathPrefixes: [String]) {
        self.upstream = upstream
        self.pathPrefixes = pathPrefixes
    }

    /// The route a forwarded request is counted under in this process's metrics: the prefix it
    /// matched (`/api/v1/orders`, `/api/v1/orders/**`), so the label's values stay few.
    func route(for path: String) -> String? {
        for prefix in pathPrefixes {
            if path == prefix { return prefix }
            if path.hasPrefix(prefix + "/") { return prefix + "/**" }
        }
        return nil
    }
}

/// The REST front of a gateway process: a request for a module this process does not serve goes
/// to a process that does, with the request id and the client address (`X-Forwarded-For`),
/// after this process's authentication and rate limits. Answers stream back as they arrive.
/// A module that cannot be reached is a 502, one that does not answer in time a 504. Product
/// reads are cached here and emptied by product and stock events (and at once by writes that
/// pass through). Socket.IO polling requests go to the process that holds their session.
public struct GatewayProxyMiddleware: RouterMiddleware {
    public typealias Context = BazaarRequestContext
    let routes: [ProxyRoute]
    let client: UpstreamClient
    let productCache: InvalidatedCache?
    let sessions: StickySessions

    /// Bodies up to this size are read before forwarding, so that a call can move to another
    /// endpoint; larger ones stream through (and the module enforces its own limit).
    static let bufferedBodyLimit = 64 * 1024
    /// Cached product answers and Socket.IO handshakes are read whole; nothing else is.
    static let collectedReplyLimit = 8 * 1024 * 1024

    public init(routes: [ProxyRoute], client: UpstreamClient, productCache: InvalidatedCache?, sessions: StickySessions) {
        self.routes = routes
        self.client = client
        self.productCache = productCache
        self.sessions = sessions
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let (route, metricsRoute) = routes.lazy.compactMap({ route in route.route(for: request.uri.path).map { (route, $0) } }).first
        else {
            return try await next(request, context)
        }
        context.coreContext.endpointPath.value = metricsRoute
        var call = UpstreamClient.Call(
            method: request.method, target: request.uri.description, headers: forwardedHeaders(request, context: context))
        call.body = try await body(of: request, context: context)
        let upstream = route.upstream
        if let productCache, call.method == .get, call.target.hasPrefix("/api/v1/products") {
            return try await cachedProducts(call, upstream: upstream, cache: productCache)
        }
        if call.target.hasPrefix("/socket.io") {
            return try await socketIO(call, upstream: upstream, session: request.uri.queryParameters["sid"].map(String.init))
        }
        let reply = try await client.send(call, to: upstream)
        if let productCache, call.method != .get, call.method != .head, call.target.hasPrefix("/api/v1/products") {
            productCache.invalidate()
        }
        return Self.streamed(reply)
    }

    private func body(of request: Request, context: Context) async throws -> UpstreamClient.Call.Body {
        let length = request.headers[.contentLength].flatMap { Int($0) }
        if request.headers[.transferEncoding] != nil || (length ?? 0) > Self.bufferedBodyLimit {
            return .stream(request.body, length: length)
        }
        // With a small length, or none: a request without a body, or the GraphQL gateway's own
        // call, whose body is already in memory.
        var request = request
        let buffer = try await request.collectBody(upTo: Self.bufferedBodyLimit)
        return buffer.readableBytes == 0 ? .none : .buffer(buffer)
    }

    /// The client's headers minus those that describe its connection, with the address this
    /// process settled on (see ClientAddress) and the request id.
    private func forwardedHeaders(_ request: Request, context: Context) -> HTTPFields {
        var headers = HTTPFields()
        for field in request.headers where !Self.hopByHop.contains(field.name.canonicalName) { headers.append(field) }
        headers[.xForwardedFor] = context.clientAddress
        headers[.requestID] = context.requestID
        return headers
    }

    /// The module's answer as it arrives, with its length when it gave one (no chunked framing then).
    private static func streamed(_ reply: UpstreamClient.Reply) -> Response {
        let length = reply.headers[.contentLength].flatMap { Int($0) }
        return Response(
            status: reply.status, headers: returnedHeaders(reply.headers),
            body: ResponseBody(contentLength: length) { writer in
                for try await part in reply.body { try await writer.write(part) }
                try await writer.finish(nil)
            })
    }

    private static func returnedHeaders(_ headers: HTTPFields) -> HTTPFields {
        var returned = HTTPFields()
        for field in headers where !hopByHop.contains(field.name.canonicalName) && field.name != .requestID { returned.append(field) }
        return returned
    }

    private func cachedProducts(_ call: UpstreamClient.Call, upstream: Upstream, cache: InvalidatedCache) async throws -> Response {
        do {
            return try await cache.value("gateway|" + call.target) {
                let reply = try await collected(call, upstream: upstream)
                guard reply.status == .ok else { throw NotCached(reply: reply) }
                return reply
            }.response
        } catch let notCached as NotCached {
            return notCached.reply.response
        }
    }

    /// A Socket.IO request with a session goes only to the process holding it; a polling
    /// handshake's answer names the session, which then stays with the process that opened it.
    private func socketIO(_ call: UpstreamClient.Call, upstream: Upstream, session: String?) async throws -> Response {
        if let session {
            // A session unknown here (the gateway restarted, or it expired) goes to any process,
            // which answers Engine.IO's "unknown session"; the client then opens a new one.
            return Self.streamed(try await client.send(call, to: upstream, pinned: sessions.endpoint(for: session)))
        }
        let reply = try await client.send(call, to: upstream)
        let body = try await reply.body.collect(upTo: Self.collectedReplyLimit)
        if reply.status == .ok, let opened = StickySessions.sessionID(inHandshake: body.readableBytesView) {
            sessions.remember(opened, at: reply.endpoint)
        }
        return Response(status: reply.status, headers: Self.returnedHeaders(reply.headers), body: .init(byteBuffer: body))
    }

    private func collected(_ call: UpstreamClient.Call, upstream: Upstream) async throws -> ForwardedReply {
        let reply = try await client.collect(call, from: upstream, limit: Self.collectedReplyLimit)
        return ForwardedReply(status: reply.status, headers: Self.returnedHeaders(reply.headers), body: reply.body)
    }

    private struct NotCached: Error {
        let reply: ForwardedReply
    }

    struct ForwardedReply: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: ByteBuffer
        var response: Response { Response(status: status, headers: headers, body: .init(byteBuffer: body)) }
    }

    /// Headers that describe one connection, not the message (RFC 9110 §7.6.1), and the ones
    /// the client side of this hop recomputes.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
        "host", "content-length", "x-forwarded-for", "x-request-id", "accept-encoding", "content-encoding",
    ]
}
