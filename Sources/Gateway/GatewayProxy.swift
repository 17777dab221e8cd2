public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
public import Hummingbird
public import Platform

/// A module served by another process, and the paths it answers.
public struct Upstream: Sendable {
    public let name: String
    public let baseURL: URL
    public let pathPrefixes: [String]

    public init(name: String, baseURL: URL, pathPrefixes: [String]) {
        self.name = name
        self.baseURL = baseURL
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
/// to the process that does, with the request id and the client address (`X-Forwarded-For`),
/// after this process's authentication and rate limits. A module that cannot be reached is a
/// 502, one that does not answer in time a 504. Product reads are cached here and emptied by
/// product and stock events (and at once by writes that pass through).
public struct GatewayProxyMiddleware: RouterMiddleware {
    public typealias Context = BazaarRequestContext
    let upstreams: [Upstream]
    let session: URLSession
    let timeout: TimeInterval
    let productCache: InvalidatedCache?

    public init(upstreams: [Upstream], timeout: TimeInterval, productCache: InvalidatedCache?) {
        self.upstreams = upstreams
        self.timeout = timeout
        self.productCache = productCache
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpMaximumConnectionsPerHost = 64
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let (upstream, route) = upstreams.lazy.compactMap({ upstream in upstream.route(for: request.uri.path).map { (upstream, $0) } }).first else {
            return try await next(request, context)
        }
        context.coreContext.endpointPath.value = route
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let call = ForwardedCall(method: request.method, target: request.uri.description, headers: request.headers, body: body)
        if let productCache, call.method == .get, call.target.hasPrefix("/api/v1/products") {
            return try await cachedProducts(call, upstream: upstream, context: context, cache: productCache)
        }
        let reply = try await forward(call, to: upstream, context: context)
        if let productCache, call.method != .get, call.method != .head, call.target.hasPrefix("/api/v1/products") { productCache.invalidate() }
        return reply.response
    }

    private func cachedProducts(_ call: ForwardedCall, upstream: Upstream, context: Context, cache: InvalidatedCache) async throws -> Response {
        do {
            return try await cache.value("gateway|" + call.target) {
                let reply = try await forward(call, to: upstream, context: context)
                guard reply.status == .ok else { throw NotCached(reply: reply) }
                return reply
            }.response
        } catch let notCached as NotCached {
            return notCached.reply.response
        }
    }

    private struct NotCached: Error {
        let reply: ForwardedReply
    }

    struct ForwardedCall: Sendable {
        let method: HTTPRequest.Method
        let target: String
        let headers: HTTPFields
        let body: ByteBuffer
    }

    struct ForwardedReply: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: ByteBuffer
        var response: Response { Response(status: status, headers: headers, body: .init(byteBuffer: body)) }
    }

    private func forward(_ call: ForwardedCall, to upstream: Upstream, context: Context) async throws -> ForwardedReply {
        guard let url = URL(string: upstream.baseURL.absoluteString.trimmingSuffix("/") + call.target) else {
            throw Problem.badRequest("The request target is not valid.")
        }
        var outgoing = URLRequest(url: url)
        outgoing.httpMethod = call.method.rawValue
        outgoing.timeoutInterval = timeout
        for field in call.headers where !Self.hopByHop.contains(field.name.canonicalName) {
            outgoing.addValue(field.value, forHTTPHeaderField: field.name.rawName)
        }
        // The address this process settled on replaces the client's header (see ClientAddress).
        outgoing.setValue(context.clientAddress, forHTTPHeaderField: "X-Forwarded-For")
        outgoing.setValue(context.requestID, forHTTPHeaderField: "X-Request-Id")
        if call.body.readableBytes > 0 { outgoing.httpBody = Data(buffer: call.body) }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: outgoing)
        } catch let error as URLError where error.code == .timedOut {
            throw Problem(.gatewayTimeout, detail: "The \(upstream.name) service did not answer within \(Int((timeout * 1000).rounded())) ms.")
        } catch {
            throw Problem(.badGateway, detail: "The \(upstream.name) service is unavailable.")
        }
        guard let http = response as? HTTPURLResponse else { throw Problem(.badGateway, detail: "The \(upstream.name) service gave no HTTP answer.") }
        var headers = HTTPFields()
        for (key, value) in http.allHeaderFields {
            guard let key = key as? String, let name = HTTPField.Name(key), !Self.hopByHop.contains(name.canonicalName),
                name != .requestID, let value = value as? String
            else { continue }
            headers.append(HTTPField(name: name, value: value))
        }
        return ForwardedReply(status: HTTPResponse.Status(code: http.statusCode), headers: headers, body: ByteBuffer(bytes: data))
    }

    /// Headers that describe one connection, not the message (RFC 9110 §7.6.1), and the ones
    /// the client side of this hop recomputes.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
        "host", "content-length", "x-forwarded-for", "x-request-id", "accept-encoding", "content-encoding",
    ]
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
