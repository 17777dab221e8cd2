import Foundation
import GraphQL
import HTTPTypes
public import Hummingbird
import PlatformCore
public import PlatformHTTP
import WebFront

/// `POST /graphql` (one operation, or a batch as a JSON array), `GET /graphql?query=…` (queries
/// only), `GET /graphql/schema.graphql` (SDL) and, when introspection is on, the GraphQL
/// explorer page at `GET /graphql` without a query. Malformed requests are problems, like every other route;
/// a well-formed request always gets a GraphQL answer (`data` and/or `errors`).
extension GraphQLGateway {
    public func addRoutes(to router: Router<BazaarRequestContext>) {
        router.post("graphql") { request, context in
            var request = request
            let buffer = try await request.collectBody(upTo: context.maxUploadSize)
            let credentials = Self.credentials(of: request)
            switch try Self.operations(from: Data(buffer: buffer), maxBatch: self.settings.limits.maxBatch) {
            case .single(let operation):
                return try Self.json(await self.execute(operation, context: context, credentials: credentials))
            case .batch(let operations):
                var results: [GraphQLResult] = []
                for operation in operations { results.append(await self.execute(operation, context: context, credentials: credentials)) }
                return try Self.json(results)
            }
        }
        router.get("graphql") { request, context in
            guard let query = request.uri.queryParameters["query"].map(String.init) else {
                guard self.settings.introspection else {
                    throw Problem.badRequest(
                        "Send a query in the `query` parameter, or POST it.", errors: [FieldError(field: "query", message: "is required")])
                }
                return WebFront.response(for: .graphQLExplorer)
            }
            // `variables=` (empty) is no variables, as if absent.
            let variables =
                try request.uri.queryParameters["variables"].flatMap { $0.isEmpty ? nil : try Self.variables(from: Data(String($0).utf8)) }
                ?? [:]
            let operation = Operation(
                query: query, variables: variables, operationName: request.uri.queryParameters["operationName"].map(String.init))
            return try Self.json(
                await self.execute(operation, context: context, credentials: Self.credentials(of: request), queriesOnly: true))
        }
        router.get("graphql/schema.graphql") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: self.sdl)))
        }
    }

    enum Body {
        case single(Operation)
        case batch([Operation])
    }

    static func operations(from data: Data, maxBatch: Int) throws -> Body {
        guard NestingLimit.allowsJSON(data) else {
            throw Problem.badRequest("The request body nests deeper than \(NestingLimit.json) levels.")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw Problem.badRequest("The request body is not valid JSON.")
        }
        if let list = object as? [Any] {
            guard (1...maxBatch).contains(list.count) else {
                throw Problem.badRequest(
                    "A batch holds 1 to \(maxBatch) operations.",
                    errors: [FieldError(field: "batch", message: "has \(list.count) operations")])
            }
            return .batch(try list.enumerated().map { try operation(from: $1, field: "[\($0)].") })
        }
        return .single(try operation(from: object, field: ""))
    }

    private static func operation(from object: Any, field prefix: String) throws -> Operation {
        guard let fields = object as? [String: Any] else { throw Problem.badRequest("An operation must be a JSON object.") }
        var errors: [FieldError] = []
        for key in fields.keys.sorted() where !["query", "variables", "operationName", "extensions"].contains(key) {
            errors.append(FieldError(field: prefix + key, message: "is not an accepted field"))
        }
        let query = fields["query"] as? String
        if query == nil {
            errors.append(FieldError(field: prefix + "query", message: fields["query"] == nil ? "is required" : "must be a string"))
        }
        if let query, query.utf8.count > 20_000 {
            errors.append(FieldError(field: prefix + "query", message: "must be at most 20000 bytes"))
        }
        if let extensions = fields["extensions"], !(extensions is [String: Any] || extensions is NSNull) {
            errors.append(FieldError(field: prefix + "extensions", message: "must be an object"))
        }
        let name = fields["operationName"]
        if let name, !(name is String || name is NSNull) {
            errors.append(FieldError(field: prefix + "operationName", message: "must be a string"))
        }
        var variables: [String: Map] = [:]
        if let given = fields["variables"], !(given is NSNull) {
            if given is [String: Any], let data = try? JSONSerialization.data(withJSONObject: given),
                let decoded = try? Self.variables(from: data)
            {
                variables = decoded
            } else {
                errors.append(FieldError(field: prefix + "variables", message: "must be an object"))
            }
        }
        guard errors.isEmpty, let query else { throw Problem.validation(errors) }
        return Operation(query: query, variables: variables, operationName: name as? String)
    }

    static func variables(from data: Data) throws -> [String: Map] {
        guard NestingLimit.allowsJSON(data) else {
            throw Problem.badRequest(
                "Invalid query parameter.",
                errors: [FieldError(field: "variables", message: "nests deeper than \(NestingLimit.json) levels")])
        }
        guard case .dictionary(let entries)? = try? JSONDecoder().decode(Map.self, from: data) else {
            throw Problem.badRequest("Invalid query parameter.", errors: [FieldError(field: "variables", message: "must be a JSON object")])
        }
        return Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// What identifies the caller to the modules.
    static func credentials(of request: Request) -> HTTPFields {
        var fields = HTTPFields()
        for name in [HTTPField.Name.authorization, .apiKey] {
            if let value = request.headers[name] { fields[name] = value }
        }
        return fields
    }

    static func json(_ value: some Encodable) throws -> Response {
        let data = try GraphQLJSONEncoder().encode(value)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
