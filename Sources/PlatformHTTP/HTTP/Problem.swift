import Foundation
public import Hummingbird
public import PlatformCore

/// An RFC 9457 problem: every error a client sees has this shape, served as
/// `application/problem+json`.
public struct Problem: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let title: String
    public let detail: String?
    public let errors: [FieldError]
    public let headers: HTTPFields

    /// The same problem with more response headers (rate-limit state on an error answer).
    public func adding(headers extra: HTTPFields) -> Problem {
        var merged = headers
        merged.append(contentsOf: extra)
        return Problem(status, title: title, detail: detail, errors: errors, headers: merged)
    }

    public init(
        _ status: HTTPResponse.Status, title: String? = nil, detail: String? = nil, errors: [FieldError] = [], headers: HTTPFields = [:]
    ) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public static func badRequest(_ detail: String, errors: [FieldError] = []) -> Problem {
        Problem(.badRequest, title: "Bad Request", detail: detail, errors: errors)
    }
    public static func validation(_ errors: [FieldError]) -> Problem {
        Problem(.unprocessableContent, title: "Validation failed", detail: "One or more fields are invalid.", errors: errors)
    }
    public static func notFound(_ what: String) -> Problem { Problem(.notFound, detail: "\(what) was not found.") }
    public static func conflict(_ detail: String) -> Problem { Problem(.conflict, detail: detail) }
    public static let unauthorized = Problem(
        .unauthorized, detail: "A valid access token is required.", headers: [.wwwAuthenticate: "Bearer"])
    public static let forbidden = Problem(.forbidden, detail: "You are not allowed to do this.")

    private struct Body: Encodable {
        let type: String
        let title: String
        let status: Int
        let detail: String?
        let instance: String?
        let errors: [FieldError]?
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(
            type: "about:blank", title: title, status: Int(status.code), detail: detail,
            instance: request.uri.path, errors: errors.isEmpty ? nil : errors)
        let data = try JSONEncoder().encode(body)
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
