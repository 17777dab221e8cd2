public import AsyncHTTPClient
import Foundation
public import HTTPTypes
public import NIOCore
import NIOHTTP1
import NIOPosix
import PlatformHTTP
public import ServiceLifecycle

/// The one HTTP client of a process for its calls to other Bazaar processes (the gateway's
/// proxy, module clients, health checks): AsyncHTTPClient on the server's own event loops, with
/// pooled keep-alive connections to every endpoint.
///
/// A call goes to the module's next healthy endpoint. When an endpoint cannot be reached the
/// call moves on to the next one: always when the request never left (the connection was
/// refused), and when it may have arrived only if repeating it is harmless (`retryable`). A
/// module no endpoint answers is a 502; one that does not answer in time a 504.
public final class UpstreamClient: Sendable {
    let http: HTTPClient
    /// How long a call waits for the head of the answer (the body may stream for longer).
    public let timeout: Duration

    public init(timeout: Duration) {
        self.timeout = timeout
        var configuration = HTTPClient.Configuration()
        // Fail over at once instead of retrying a refused endpoint until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        // Below the modules' keep-alive timeout (60 s), so that this side closes an idle
        // connection first and never sends on one the server is closing.
        configuration.connectionPool.idleTimeout = .seconds(30)
        // A body that stalls mid-way is cut after as long as a head may take.
        configuration.timeout = .init(connect: .seconds(2), read: TimeAmount(timeout))
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// A request to a module, its target being the path with its query (`/api/v1/products?ids=…`).
    public struct Call: Sendable {
        public enum Body: Sendable {
            case none
            /// Held in memory: can be sent again to another endpoint.
            case buffer(ByteBuffer)
            /// Streamed as it arrives (large uploads): sent once.
            case stream(any AsyncSequence<ByteBuffer, any Error> & Sendable, length: Int?)
        }
        public var method: HTTPRequest.Method
        public var target: String
        public var headers: HTTPFields
        public var body: Body

        public init(method: HTTPRequest.Method, target: String, headers: HTTPFields = [:], body: Body = .none) {
            self.method = method
            self.target = target
            self.headers = headers
            self.body = body
        }

        /// Whether the call may go to another endpoint after `error`: its body can be sent again
        /// (a streamed one was consumed, or may have been), and either the request never left or
        /// sending it twice has the effect of sending it once — an idempotent method (RFC 9110
        /// §9.2.2), or a POST with an `Idempotency-Key` the module deduplicates on.
        func mayMoveOn(after error: any Error) -> Bool {
            if case .stream = body { return false }
            if UpstreamClient.neverSent(error) { return true }
            switch method {
            case .get, .head, .options, .put, .delete: return true
            case .post: return headers[.idempotencyKey] != nil
            default: return false
            }
        }
    }

    /// The answer's head, and its body as it streams from the endpoint.
    public struct Reply: Sendable {
        public let status: HTTPResponse.Status
        public let headers: HTTPFields
        public let body: HTTPClientResponse.Body
        /// The endpoint that answered (Socket.IO sessions stay with it).
        public let endpoint: UpstreamEndpoint
    }

    /// Sends `call` to `upstream`, or only to `pinned` when given (a session that lives there).
    public func send(_ call: Call, to upstream: Upstream, pinned: UpstreamEndpoint? = nil) async throws -> Reply {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let unavailable = Problem(.badGateway, detail: "The \(upstream.name) service is unavailable.")
        for endpoint in pinned.map({ [$0] }) ?? upstream.candidates() {
            var request = HTTPClientRequest(url: endpoint.baseURL + call.target)
            request.method = HTTPMethod(rawValue: call.method.rawValue)
            for field in call.headers { request.headers.add(name: field.name.rawName, value: field.value) }
            switch call.body {
            case .none: break
            case .buffer(let buffer): request.body = .bytes(buffer)
            case .stream(let sequence, let length): request.body = .stream(sequence, length: length.map { .known(Int64($0)) } ?? .unknown)
            }
            do {
                let response = try await http.execute(request, deadline: deadline)
                var headers = HTTPFields()
                for header in response.headers {
                    if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
                }
                return Reply(
                    status: HTTPResponse.Status(code: Int(response.status.code)), headers: headers, body: response.body, endpoint: endpoint)
            } catch let error where Self.isTimeout(error) {
                throw Problem(.gatewayTimeout, detail: "The \(upstream.name) service did not answer within \(timeout.milliseconds) ms.")
            } catch {
                // The caller gave up (AsyncHTTPClient reports it as its own error): not the endpoint's fault.
                if Task.isCancelled { throw CancellationError() }
                endpoint.mark(healthy: false)
                guard call.mayMoveOn(after: error) else { throw unavailable }
            }
        }
        throw unavailable
    }

    /// Sends `call` and gathers the whole answer, up to `limit` bytes. An answer cut off
    /// mid-body (its process died while sending it) is asked of the next endpoint when the call
    /// may move on: nothing of it has reached the caller yet.
    public func collect(
        _ call: Call, from upstream: Upstream, limit: Int
    ) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer) {
        let incomplete = Problem(.badGateway, detail: "The \(upstream.name) service's answer did not arrive whole.")
        for _ in upstream.candidates() {
            let reply = try await send(call, to: upstream)
            do {
                return (reply.status, reply.headers, try await reply.body.collect(upTo: limit))
            } catch is NIOTooManyBytesError {
                throw incomplete  // the answer is too large, wherever it comes from
            } catch {
                if Task.isCancelled { throw CancellationError() }
                reply.endpoint.mark(healthy: false)
                guard call.mayMoveOn(after: error) else { throw incomplete }
            }
        }
        throw incomplete
    }

    /// Whether the request cannot have reached the endpoint: its connection was never made.
    static func neverSent(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        if let error = error as? IOError { return [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL].contains(error.errnoCode) }
        return false
    }

    static func isTimeout(_ error: any Error) -> Bool {
        guard let error = error as? HTTPClientError else { return false }
        return error == .deadlineExceeded || error == .readTimeout
    }

    /// Closes the pooled connections; the process calls it on shutdown.
    public func shutdown() async {
        try? await http.shutdown()
    }
}

/// Shuts the client down with the process, after the server stopped taking requests.
public struct UpstreamClientService: Service {
    let client: UpstreamClient

    public init(client: UpstreamClient) {
        self.client = client
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await client.shutdown()
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
