import PlatformCore
import PlatformHTTP
/// API keys for automation. Declared beside the routes; BazaarServer assembles the OpenAPI document.
public enum APIKeysAPI: APIContract {
    public static let operations: [APIOperation] = [
        APIOperation(
            "post", "/api/v1/admin/api-keys",
            "Create an API key (scope read: GET only; admin: everything). The whole key is in this answer only; send it as X-API-Key",
            tag: "Admin", access: .admin, request: "CreateAPIKey", status: 201, response: "APIKey"),
        APIOperation(
            "get", "/api/v1/admin/api-keys", "API keys (never the key itself)", tag: "Admin", access: .admin,
            status: 200, response: "APIKeyList"),
        APIOperation(
            "delete", "/api/v1/admin/api-keys/{id}", "Revoke an API key", tag: "Admin", access: .admin, status: 204),
    ]

    public static var schemas: [String: JSONValue] {
        [
            "CreateAPIKey": object(
                [
                    "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"],
                    "scope": ["type": "string", "enum": ["read", "admin"]],
                ],
                required: ["name", "scope"]),
            "APIKey": object(
                [
                    "id": string, "name": string, "scope": ["type": "string", "enum": ["read", "admin"]], "createdBy": string,
                    "createdAt": dateTime,
                    "revokedAt": ["type": ["string", "null"], "format": "date-time"],
                    "key": ["type": "string", "description": "only when created"],
                ], required: ["id", "name", "scope", "createdBy", "createdAt"]),
            "APIKeyList": list(of: "APIKey"),
        ]
    }
}
