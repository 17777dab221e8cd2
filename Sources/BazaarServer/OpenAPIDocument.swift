import Cart
import Catalog
import Foundation
import Gateway
import Identity
import Notifications
import Ordering
import PlatformAuth
import PlatformCore
import PlatformHTTP
import PlatformObservability
import Promotions
import WebFront

/// The OpenAPI 3.1 document, assembled from the contracts each part declares beside its routes
/// (`XAPI` in every module, the platform's operations, the gateway's, the pages'). What follows
/// from a declaration's shape is added here, once: the refusals every operation of its kind can
/// answer, the path and query parameters, the security requirement.
public enum OpenAPIDocument {
    static var contracts: [any APIContract.Type] {
        [
            PlatformAPI.self, OperationsAPI.self, APIKeysAPI.self, DocumentationAPI.self, WebFrontAPI.self, GatewayAPI.self,
            IdentityAPI.self, CatalogAPI.self, CartAPI.self, OrderingAPI.self, PromotionsAPI.self, NotificationsAPI.self,
        ]
    }

    static var operations: [APIOperation] { contracts.flatMap { $0.operations } }

    /// `METHOD /path` of every documented operation, in the router's notation.
    public static var routeSet: Set<String> { Set(operations.map(\.route)) }

    static func problem(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/problem+json": ["schema": PlatformAPI.ref("Problem")]]]
    }

    /// The responses: success, the refusals that follow from the declaration's shape, then the
    /// operation's own (which may reword a standard one), then what every route can answer.
    static func responses(_ operation: APIOperation) -> [String: JSONValue] {
        var responses: [String: JSONValue] = [:]
        if let success = operation.success {
            responses[String(operation.status)] = success
        } else if let response = operation.response {
            responses[String(operation.status)] = [
                "description": "Success", "content": .object([operation.contentType: ["schema": PlatformAPI.ref(response)]]),
            ]
        } else if operation.status == 200 {
            let types = operation.contentType.split(separator: ",").map(String.init)
            responses["200"] = ["description": "Success", "content": .object(Dictionary(uniqueKeysWithValues: types.map { ($0, [:]) }))]
        } else {
            responses[String(operation.status)] = ["description": "Success"]
        }
        if !operation.replacesStandardErrors {
            if operation.request != nil {
                responses["400"] = problem("Malformed JSON or not a JSON object")
                responses["413"] = problem("Body larger than 64 KiB")
                responses["422"] = problem("Invalid, missing or unknown fields, named in `errors`")
            }
            if !operation.query.isEmpty { responses["400"] = problem("Invalid query parameter") }
            switch operation.access {
            case .open:
                // Credentials are checked wherever they are sent (AuthenticationMiddleware): a bad
                // one is refused even where none is needed, rather than served as anonymous.
                responses["401"] = problem("A bearer token or API key was sent and is invalid, expired or revoked (none is needed)")
                if operation.method != "get" { responses["403"] = problem("A read-only API key was sent with a change") }
            case .user:
                responses["401"] = problem("Missing, invalid, expired or revoked access token")
                if operation.method != "get" { responses["403"] = problem("A read-only API key was sent with a change") }
            case .admin:
                responses["401"] = problem("Missing, invalid, expired or revoked access token")
                responses["403"] = problem("The caller is not an admin")
            }
            if !pathParameters(operation.path).isEmpty { responses["404"] = problem("No such object (or not yours)") }
        }
        for (status, description) in operation.errors { responses[String(status)] = problem(description) }
        for (status, description) in operation.otherResponses { responses[String(status)] = ["description": .string(description)] }
        // Below routing, for every path (the README's Limits), and the rate limits of the API's routes.
        if operation.path.hasPrefix("/api/v1/") || operation.path == "/socket.io", responses["429"] == nil {
            responses["429"] = problem(
                "Rate limit exceeded (auth routes and new realtime connections per address, others per user); see Retry-After, RateLimit and RateLimit-Policy"
            )
        }
        responses["414"] = problem("Request line longer than 8 KiB")
        responses["431"] = problem("Headers larger than 32 KiB or more than 100")
        responses["500"] = problem("Unexpected error")
        return responses
    }

    /// The names in `{…}` of a path.
    static func pathParameters(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }

    static func pathItem(_ operation: APIOperation) -> JSONValue {
        var item: [String: JSONValue] = [
            "summary": .string(operation.summary), "tags": [.string(operation.tag)], "responses": .object(responses(operation)),
            "operationId": .string(
                operation.method
                    + operation.path.split(separator: "/").map {
                        $0.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "").capitalized
                    }.joined()
                    .filter { $0.isLetter || $0.isNumber }),
        ]
        switch operation.access {
        case .admin: item["security"] = [["bearerAuth": []], ["apiKey": []]]
        case .user: item["security"] = [["bearerAuth": []]]
        case .open: item["security"] = [[:], ["bearerAuth": []], ["apiKey": []]]
        }
        if let body = operation.requestBody {
            item["requestBody"] = body
        } else if let request = operation.request {
            item["requestBody"] = [
                "required": .bool(operation.requestRequired), "content": ["application/json": ["schema": PlatformAPI.ref(request)]],
            ]
        }
        var parameters: [JSONValue] = operation.query.map { name, type in
            var schema: [String: JSONValue] = ["type": .string(type)]
            if name == "limit" {
                schema["minimum"] = 1
                schema["maximum"] = 100
                schema["default"] = 20
            }
            if name == "cursor" { schema["description"] = "opaque: the nextCursor of the page before; empty or absent for the first page" }
            return ["name": .string(name), "in": "query", "required": false, "schema": .object(schema)]
        }
        for name in pathParameters(operation.path) {
            parameters.append(["name": .string(name), "in": "path", "required": true, "schema": PlatformAPI.string])
        }
        for header in operation.headers {
            var parameter: [String: JSONValue] = [
                "name": .string(header.name), "in": "header", "required": .bool(header.required), "schema": header.schema,
            ]
            if let description = header.description { parameter["description"] = .string(description) }
            parameters.append(.object(parameter))
        }
        if !parameters.isEmpty { item["parameters"] = .array(parameters) }
        return .object(item)
    }

    static func json() -> Data {
        var paths: [String: [String: JSONValue]] = [:]
        for operation in operations { paths[operation.path, default: [:]][operation.method] = pathItem(operation) }
        var schemas: [String: JSONValue] = [:]
        for contract in contracts { schemas.merge(contract.schemas) { first, _ in first } }
        let document: JSONValue = [
            "openapi": "3.1.0",
            "info": [
                "title": "Bazaar", "version": "1.0.0",
                "description": "E-commerce backend. Errors are RFC 9457 problem+json; money is integer minor units.",
            ],
            "servers": [["url": "/"]],
            "paths": .object(paths.mapValues(JSONValue.object)),
            "components": [
                "schemas": .object(schemas),
                "securitySchemes": [
                    "bearerAuth": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT (EdDSA)"],
                    "apiKey": [
                        "type": "apiKey", "in": "header", "name": "X-API-Key",
                        "description": "for automation; acts as its creator with the admin role within its scope",
                    ],
                ],
            ],
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(document)) ?? Data()
    }
}
