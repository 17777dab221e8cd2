public import PlatformCore
public import PlatformHTTP

/// GraphQL over HTTP. Declared beside the routes; BazaarServer assembles the OpenAPI document.
public enum GatewayAPI: APIContract {
    public static let operations: [APIOperation] = [
        APIOperation(
            "post", "/graphql",
            "GraphQL: one operation {query, variables, operationName}, or a batch as an array (at most 5); depth, cost and alias limits",
            tag: "Gateway", access: .open, status: 200,
            errors: [
                400: "Not JSON, nested too deep, a batch of 0 or more than 5, or (GET) no query",
                422: "An operation without a string `query`, or with unknown fields", 413: "Body larger than 64 KiB",
            ]
        ).with {
            $0.requestBody = [
                "required": true,
                "content": [
                    "application/json": [
                        "schema": [
                            "oneOf": [
                                ref("GraphQLRequest"), ["type": "array", "items": ref("GraphQLRequest"), "minItems": 1, "maxItems": 5],
                            ]
                        ]
                    ]
                ],
            ]
        },
        APIOperation(
            "get", "/graphql",
            "GraphQL queries (not mutations) in the query string; without `query`, the GraphQL explorer page when introspection is enabled",
            tag: "Gateway", access: .open, status: 200, query: [("query", "string"), ("variables", "string"), ("operationName", "string")],
            errors: [
                400: "Not JSON, nested too deep, a batch of 0 or more than 5, or (GET) no query",
                422: "An operation without a string `query`, or with unknown fields",
            ]
        ).with {
            $0.success = [
                "description": "The GraphQL answer; the explorer page (HTML) when there is no query and introspection is on",
                "content": ["application/json": [:], "text/html": [:]],
            ]
        },
        APIOperation(
            "get", "/graphql/schema.graphql", "The GraphQL schema (SDL)", tag: "Gateway", access: .open, status: 200,
            contentType: "text/plain"),
    ]

    public static var schemas: [String: JSONValue] {
        [
            "GraphQLRequest": object(
                [
                    "query": ["type": "string", "maxLength": 20_000], "variables": ["type": ["object", "null"]],
                    "operationName": ["type": ["string", "null"]], "extensions": ["type": ["object", "null"]],
                ],
                required: ["query"])
        ]
    }
}
