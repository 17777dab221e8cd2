import PlatformCore
/// One operation of the public HTTP API as its owner declares it, beside the routes that serve
/// it. The OpenAPI document is assembled from these declarations (BazaarServer's
/// `OpenAPIDocument`); a test keeps the declared operations and the router's routes the same set.
///
/// What every operation of a kind answers follows from the declaration (a body → 400, 413 and
/// 422; a query → 400; a path parameter → 404; the access level → 401 and 403), so `errors`
/// lists only the refusals particular to the operation, and may reword a standard one.
public struct APIOperation: Sendable {
    public enum Access: Sendable { case open, user, admin }

    /// A header parameter beyond `Authorization`.
    public struct Header: Sendable {
        public let name: String
        public let required: Bool
        public let schema: JSONValue
        public let description: String?

        public init(_ name: String, required: Bool = false, schema: JSONValue, description: String? = nil) {
            self.name = name
            self.required = required
            self.schema = schema
            self.description = description
        }
    }

    public let method: String
    public let path: String
    public let summary: String
    public let tag: String
    public let access: Access
    /// The request body's schema (a component name), when the operation takes JSON.
    public var request: String?
    /// Whether the JSON body must be sent (a browser's refresh uses a cookie instead).
    public var requestRequired = true
    /// A request body other than one JSON schema (an upload, a choice of shapes).
    public var requestBody: JSONValue?
    public let status: Int
    /// The success response's schema (a component name).
    public var response: String?
    /// The success response's media types, comma-separated.
    public var contentType = "application/json"
    /// The whole success response, where a schema name and a type do not say it.
    public var success: JSONValue?
    public var query: [(name: String, type: String)] = []
    public var headers: [Header] = []
    /// Status → when it is answered: refusals particular to this operation.
    public var errors: [Int: String] = [:]
    /// Responses that are not problem+json (a redirect, 304).
    public var otherResponses: [Int: String] = [:]
    /// Only `errors` (and what every route answers): the operation is not a plain JSON one.
    public var replacesStandardErrors = false

    public init(
        _ method: String, _ path: String, _ summary: String, tag: String, access: Access, request: String? = nil, status: Int,
        response: String? = nil, query: [(name: String, type: String)] = [], contentType: String = "application/json",
        headers: [Header] = [], errors: [Int: String] = [:]
    ) {
        self.method = method
        self.path = path
        self.summary = summary
        self.tag = tag
        self.access = access
        self.request = request
        self.status = status
        self.response = response
        self.contentType = contentType
        self.query = query
        self.headers = headers
        self.errors = errors
    }

    /// A copy with the rarer parts set: `.with { $0.requestRequired = false }`.
    public func with(_ change: (inout APIOperation) -> Void) -> APIOperation {
        var copy = self
        change(&copy)
        return copy
    }

    /// `METHOD /path`, in the router's notation.
    public var route: String { "\(method.uppercased()) \(path)" }
}

/// The operations and schemas one part of Bazaar serves. Each module, and each part of the
/// platform that has routes, declares one beside its routes.
public protocol APIContract {
    static var operations: [APIOperation] { get }
    /// Components the operations refer to by name.
    static var schemas: [String: JSONValue] { get }
}

extension APIContract {
    public static var schemas: [String: JSONValue] { [:] }

    /// An object schema; extra properties refused unless `additional`.
    public static func object(_ properties: [String: JSONValue], required: [String], additional: Bool = false) -> JSONValue {
        [
            "type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string)),
            "additionalProperties": .bool(additional),
        ]
    }

    public static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    public static var string: JSONValue { ["type": "string"] }
    public static var boolean: JSONValue { ["type": "boolean"] }
    public static var dateTime: JSONValue { ["type": "string", "format": "date-time"] }

    /// A page of items with the cursor of the next page.
    public static func list(of item: String) -> JSONValue {
        object(
            ["items": ["type": "array", "items": ref(item)], "nextCursor": ["type": ["string", "null"]]], required: ["items", "nextCursor"])
    }
}

/// What the platform's own schemas are: shared by every module's operations.
public enum PlatformAPI: APIContract {
    public static let operations: [APIOperation] = []

    public static var schemas: [String: JSONValue] {
        [
            "Problem": object(
                [
                    "type": string, "title": string, "status": ["type": "integer"], "detail": string, "instance": string,
                    "errors": ["type": "array", "items": ref("FieldError")],
                ], required: ["type", "title", "status"]),
            "FieldError": object(["field": string, "message": string], required: ["field", "message"]),
            "Money": object(
                [
                    "amount": ["type": "integer", "minimum": 0, "maximum": 1_000_000_000_000, "description": "minor units"],
                    "currency": ["type": "string", "pattern": "^[A-Z]{3}$"],
                ], required: ["amount", "currency"]),
        ]
    }
}
