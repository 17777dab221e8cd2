import Foundation
import GraphQL
import HTTPTypes
import Hummingbird
import PlatformHTTP

/// Everything the resolvers of one GraphQL request share: who is asking (their credentials are
/// forwarded, so every module authorizes the call itself) and the request's batch loaders.
final class GraphRequest: Sendable {
    let transport: any ModuleTransport
    let context: BazaarRequestContext
    /// Authorization and X-API-Key of the client request.
    let credentials: HTTPFields
    let products: BatchLoader

    init(transport: any ModuleTransport, context: BazaarRequestContext, credentials: HTTPFields) {
        self.transport = transport
        self.context = context
        self.credentials = credentials
        products = BatchLoader()
    }

    /// Calls a module and returns its JSON answer as GraphQL values (`nil` for an empty body).
    /// A refusal becomes a field error carrying the module's status and message.
    func call(
        _ method: HTTPRequest.Method, _ path: String, body: Data? = nil, headers extra: HTTPFields = [:]
    ) async throws -> (any Sendable)? {
        var headers = credentials
        headers.append(contentsOf: extra)
        if body != nil { headers[.contentType] = "application/json" }
        let reply = try await transport.send(
            ModuleCall(method: method, path: "/api/v1/" + path, headers: headers, body: body.map { ByteBuffer(bytes: $0) }), for: context)
        guard (200..<300).contains(reply.status.code) else { throw GraphFieldError(reply: reply) }
        guard reply.body.readableBytes > 0 else { return nil }
        return try GraphValues.from(json: reply.body.readableBytesView)
    }

    /// One item of a collection by id, or nil when there is none: a 404, or an id that names
    /// nothing (an empty one would otherwise address the collection itself).
    func find(_ collection: String, id: Map) async throws -> (any Sendable)? {
        guard let segment = try? Path.segment(id) else { return nil }
        do {
            return try await call(.get, collection + "/" + segment)
        } catch let error as GraphFieldError where error.status == 404 {
            return nil
        }
    }
}

/// A module's refusal, as a GraphQL error: the problem's detail as message, and its status, a
/// stable code and any field errors as extensions.
struct GraphFieldError: Error, CustomStringConvertible {
    let status: Int
    let message: String
    let fieldErrors: [Map]

    init(status: Int, message: String, fieldErrors: [Map] = []) {
        self.status = status
        self.message = message
        self.fieldErrors = fieldErrors
    }

    init(reply: ModuleReply) {
        let problem = (try? JSONDecoder().decode(Map.self, from: Data(reply.body.readableBytesView)))?.dictionary
        let detail = problem?["detail"]?.string ?? problem?["title"]?.string
        self.init(
            status: Int(reply.status.code), message: detail ?? reply.status.reasonPhrase, fieldErrors: problem?["errors"]?.array ?? [])
    }

    var description: String { message }

    var code: String {
        switch status {
        case 400, 413, 422: "BAD_USER_INPUT"
        case 401: "UNAUTHENTICATED"
        case 403: "FORBIDDEN"
        case 404: "NOT_FOUND"
        case 409: "CONFLICT"
        case 429: "RATE_LIMITED"
        case 502, 503, 504: "SERVICE_UNAVAILABLE"
        default: "INTERNAL_SERVER_ERROR"
        }
    }

    var extensions: [String: Map] {
        var extensions: [String: Map] = ["code": .string(code), "status": .int(status)]
        if !fieldErrors.isEmpty { extensions["errors"] = .array(fieldErrors) }
        return extensions
    }
}

/// Loads products by id for one request: the ids a list will need are announced up front
/// (`expect`), and the first `load` fetches all of them in one call. An order list with its
/// lines' products is then one product call however long it is.
actor BatchLoader {
    typealias Fetch = @Sendable ([String]) async throws -> [String: any Sendable]
    private var expected: [String] = []
    private var pending: [String: Task<[String: any Sendable], any Error>] = [:]

    func expect(_ ids: [String]) {
        for id in ids where pending[id] == nil && !expected.contains(id) { expected.append(id) }
    }

    func load(_ id: String, fetch: @escaping Fetch) async throws -> (any Sendable)? {
        if pending[id] == nil {
            var batch = [id]
            for other in expected where other != id && pending[other] == nil { batch.append(other) }
            expected.removeAll()
            for start in stride(from: 0, to: batch.count, by: 100) {
                let chunk = Array(batch[start..<min(start + 100, batch.count)])
                let task = Task { try await fetch(chunk) }
                for key in chunk { pending[key] = task }
            }
        }
        return try await pending[id]?.value[id]
    }
}
