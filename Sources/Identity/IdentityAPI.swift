public import PlatformCore
public import PlatformHTTP

/// Identity's HTTP contract. Declared beside the routes; BazaarServer assembles the OpenAPI document.
public enum IdentityAPI: APIContract {
    public static let operations: [APIOperation] = [
        APIOperation(
            "get", "/.well-known/jwks.json", "Public keys that verify access tokens", tag: "Identity", access: .open,
            status: 200, response: "JWKS",
            contentType: "application/jwk-set+json"),
        APIOperation(
            "post", "/api/v1/auth/register", "Create an account", tag: "Identity", access: .open,
            request: "RegisterRequest", status: 201, response: "AuthResult",
            headers: [
                .init(
                    "Session-Cookie", schema: ["type": "string", "enum": ["true", "false"]],
                    description: "true: the refresh token is set as an HttpOnly, SameSite=Strict cookie (with a CSRF cookie), not returned")
            ],
            errors: [409: "The email is already registered"]),
        APIOperation(
            "post", "/api/v1/auth/login", "Log in (throttled: 429 with Retry-After)", tag: "Identity", access: .open,
            request: "LoginRequest", status: 200, response: "AuthResult",
            headers: [
                .init(
                    "Session-Cookie", schema: ["type": "string", "enum": ["true", "false"]],
                    description: "true: the refresh token is set as an HttpOnly, SameSite=Strict cookie (with a CSRF cookie), not returned")
            ],
            errors: [401: "Wrong email or password", 429: "Too many failed logins; see Retry-After"]),
        APIOperation(
            "post", "/api/v1/auth/refresh", "Exchange a refresh token for a new pair; a reused token ends its session", tag: "Identity",
            access: .open,
            request: "RefreshRequest", status: 200, response: "AuthResult"
        ).with(usingTheRefreshCookie),
        APIOperation(
            "post", "/api/v1/auth/logout", "End the session of a refresh token", tag: "Identity", access: .open,
            request: "RefreshRequest", status: 204
        ).with(usingTheRefreshCookie),
        APIOperation(
            "post", "/api/v1/auth/password-reset", "Mail a single-use reset token (always 202)", tag: "Identity",
            access: .open, request: "PasswordResetRequest", status: 202),
        APIOperation(
            "post", "/api/v1/auth/password-reset/confirm", "Set a new password; every session ends", tag: "Identity",
            access: .open, request: "PasswordResetConfirm", status: 204),
        APIOperation(
            "get", "/api/v1/users/me", "My profile", tag: "Identity", access: .user, status: 200, response: "User"),
        APIOperation(
            "patch", "/api/v1/users/me", "Update my profile (null clears phone or address)", tag: "Identity",
            access: .user, request: "ProfilePatch", status: 200, response: "User"),
        APIOperation(
            "get", "/api/v1/users/me/preferences", "My notification preferences", tag: "Identity", access: .user,
            status: 200, response: "Preferences"),
        APIOperation(
            "put", "/api/v1/users/me/preferences", "Replace my notification preferences", tag: "Identity",
            access: .user, request: "Preferences", status: 200, response: "Preferences"),
        APIOperation(
            "get", "/api/v1/admin/users", "List users", tag: "Admin", access: .admin, status: 200,
            response: "UserList", query: [("limit", "integer"), ("cursor", "string"), ("email", "string")]),
        APIOperation(
            "get", "/api/v1/admin/users/{id}", "One user", tag: "Admin", access: .admin, status: 200,
            response: "User"),
        APIOperation(
            "put", "/api/v1/admin/users/{id}/role", "Change a user's role; their sessions end", tag: "Admin",
            access: .admin, request: "RoleRequest", status: 200, response: "User",
            errors: [409: "The last admin cannot lose the role"]),
    ]

    public static var schemas: [String: JSONValue] {
        [
            "Address": object(
                [
                    "line1": ["type": "string", "maxLength": 200, "pattern": "\\S"],
                    "line2": ["type": ["string", "null"], "maxLength": 200],
                    "city": ["type": "string", "maxLength": 100, "pattern": "\\S"],
                    "postalCode": ["type": "string", "maxLength": 20, "pattern": "\\S"],
                    "country": ["type": "string", "pattern": "^[A-Z]{2}$"],
                ], required: ["line1", "city", "postalCode", "country"]),
            "User": object(
                [
                    "id": string, "email": ["type": "string", "format": "email"], "name": string,
                    "role": ["type": "string", "enum": ["user", "admin"]],
                    "phone": ["type": ["string", "null"]], "address": ["oneOf": [ref("Address"), ["type": "null"]]], "createdAt": dateTime,
                ], required: ["id", "email", "name", "role", "createdAt"], additional: true),
            "Preferences": object(
                ["orderUpdates": boolean, "promotions": boolean, "email": boolean, "realtime": boolean],
                required: ["orderUpdates", "promotions", "email", "realtime"]),
            "AuthResult": object(
                [
                    "user": ref("User"), "accessToken": string,
                    "refreshToken": ["type": "string", "description": "absent when it was set as a cookie (Session-Cookie: true)"],
                    "tokenType": ["type": "string", "enum": ["Bearer"]], "expiresIn": ["type": "integer"],
                ],
                required: ["user", "accessToken", "tokenType", "expiresIn"]),
            "RegisterRequest": object(
                [
                    "email": ["type": "string", "format": "email", "maxLength": 254],
                    "password": ["type": "string", "minLength": 8, "maxLength": 256],
                    "name": ["type": "string", "minLength": 1, "maxLength": 100, "pattern": "\\S"],
                ],
                required: ["email", "password", "name"]),
            "LoginRequest": object(
                [
                    "email": ["type": "string", "minLength": 1, "maxLength": 254],
                    "password": ["type": "string", "minLength": 1, "maxLength": 256],
                ],
                required: ["email", "password"]),
            "RefreshRequest": object(["refreshToken": ["type": "string", "minLength": 1, "maxLength": 200]], required: ["refreshToken"]),
            "PasswordResetRequest": object(["email": ["type": "string", "format": "email"]], required: ["email"]),
            "PasswordResetConfirm": object(
                [
                    "token": ["type": "string", "minLength": 1, "maxLength": 200],
                    "newPassword": ["type": "string", "minLength": 8, "maxLength": 256],
                ],
                required: ["token", "newPassword"]),
            "ProfilePatch": object(
                [
                    "name": ["type": "string", "minLength": 1, "maxLength": 100, "pattern": "\\S"],
                    "phone": [
                        "type": ["string", "null"], "maxLength": 25, "pattern": "^[ +().-]*(?:[0-9][ +().-]*){5,15}$",
                        "description": "5 to 15 digits; spaces, +, -, ., ( and ) allowed",
                    ],
                    "address": ["oneOf": [ref("Address"), ["type": "null"]]],
                ],
                required: []),
            "RoleRequest": object(["role": ["type": "string", "enum": ["user", "admin"]]], required: ["role"]),
            "UserList": list(of: "User"),
            "JWKS": object(
                [
                    "keys": [
                        "type": "array",
                        "items": object(
                            ["kty": string, "crv": string, "use": string, "alg": string, "kid": string, "x": string],
                            required: ["kty", "crv", "alg", "kid", "x"]),
                    ]
                ],
                required: ["keys"]),
        ]
    }

    /// Refresh and logout: a browser sends no body, the refresh cookie and the CSRF token instead.
    static func usingTheRefreshCookie(_ operation: inout APIOperation) {
        operation.requestRequired = false
        operation.headers.append(
            .init(
                "X-CSRF-Token", schema: ["type": "string", "maxLength": 200],
                description: "Use the refresh cookie instead of a body; must equal the bazaar_csrf cookie"))
        operation.errors[401] = "Invalid, expired or reused refresh token"
        operation.errors[403] = "X-CSRF-Token does not match the CSRF cookie"
    }
}
