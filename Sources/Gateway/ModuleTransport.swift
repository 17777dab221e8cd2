import Foundation
public import HTTPTypes
public import Hummingbird
public import PlatformHTTP
import Synchronization

/// A request the gateway makes to a module's REST API on behalf of a client request.
public struct ModuleCall: Sendable {
    public var method: HTTPRequest.Method
    /// Path under the root, with its query (`/api/v1/products?limit=5`).
    public var path: String
    public var headers: HTTPFields
    public var body: ByteBuffer?

    public init(method: HTTPRequest.Method, path: String, headers: HTTPFields = [:], body: ByteBuffer? = nil) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}

public struct ModuleReply: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: ByteBuffer
}

/// How GraphQL resolvers reach the modules. There is one implementation: the process's own
/// router, in-process. Where a module runs in another process, that router's gateway proxy
/// forwards the call over HTTP, so both modes share one path and give the same answers.
public protocol ModuleTransport: Sendable {
    func send(_ call: ModuleCall, for context: BazaarRequestContext) async throws -> ModuleReply
}

/// Calls go through the full middleware chain of this process's router (authentication, rate
/// limits, audit, metrics), as if the client had made them. The responder exists only once the
/// router is built, after the GraphQL routes were added to it; `bind` supplies it.
public final class InProcessTransport: ModuleTransport {
    private let responder = Mutex<(any HTTPResponder<BazaarRequestContext>)?>(nil)

    public init() {}

    public func bind(_ responder: some HTTPResponder<BazaarRequestContext>) {
        self.responder.withLock { $0 = responder }
    }

    public func send(_ call: ModuleCall, for context: BazaarRequestContext) async throws -> ModuleReply {
        guard let responder = responder.withLock({ $0 }) else {
            throw Problem(.serviceUnavailable, detail: "The gateway is still starting.")
        }
        var head = HTTPRequest(method: call.method, scheme: "http", authority: "localhost", path: call.path, headerFields: call.headers)
        head.headerFields[.requestID] = context.requestID
        let request = Request(head: head, body: .init(buffer: call.body ?? ByteBuffer()))
        let response = try await responder.respond(to: request, context: BazaarRequestContext(subrequestOf: context))
        let collector = BodyCollector()
        try await response.body.write(collector)
        return ModuleReply(status: response.status, headers: response.headers, body: collector.buffer)
    }
}

/// Gathers a response body written by a responder.
private final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
    var buffer = ByteBuffer()
    func write(_ part: ByteBuffer) async throws { buffer.writeImmutableBuffer(part) }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
