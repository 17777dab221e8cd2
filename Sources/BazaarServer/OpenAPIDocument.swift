import Foundation

/// The OpenAPI 3.1 contract, as data. Each operation names its method, path, access level,
/// request schema and success response; the error responses follow from those.
public enum OpenAPIDocument {
    enum Access { case open, user, admin }

    struct Operation {
        let method: String
        let path: String
        let summary: String
        let tag: String
        let access: Access
        var request: String? = nil
        let status: Int
        var response: String? = nil
        var query: [(String, String)] = []
        var contentType = "application/json"
    }

    static let operations: [Operation] = [
        Operation(
            method: "get", path: "/health/live", summary: "Liveness", tag: "Operations", access: .open, status: 200, response: "Health"),
        Operation(
            method: "get", path: "/health/ready", summary: "Readiness: database reachable and migrations applied", tag: "Operations",
            access: .open, status: 200, response: "Health"),
        Operation(
            method: "get", path: "/metrics", summary: "Prometheus metrics", tag: "Operations", access: .open, status: 200,
            contentType: "text/plain"),
        Operation(
            method: "get", path: "/api-docs/v1/openapi.json", summary: "This document", tag: "Operations", access: .open, status: 200),
        Operation(
            method: "get", path: "/api-docs/v1", summary: "The API reference (HTML), with a way to try each operation", tag: "Operations",
            access: .open, status: 200, contentType: "text/html"),
        Operation(
            method: "get", path: "/", summary: "The storefront (HTML): shop, cart, orders, wallet, promotions, inbox, profile", tag: "Pages",
            access: .open, status: 200, contentType: "text/html"),
        Operation(
            method: "get", path: "/reset-password", summary: "The storefront's page for the link a password-reset mail carries",
            tag: "Pages", access: .open, status: 200, contentType: "text/html"),
        Operation(
            method: "get", path: "/admin",
            summary: "The admin console (HTML), for a browser signed in as an admin (its console cookie); others are sent to sign in (303)",
            tag: "Pages",
            access: .open, status: 200, contentType: "text/html"),
        Operation(
            method: "get", path: "/realtime",
            summary: "A page that watches a user's notification stream (paste a token, see frames arrive)",
            tag: "Operations", access: .open, status: 200, contentType: "text/html"),
        Operation(
            method: "get", path: "/assets/{name}", summary: "A script or style of Bazaar's pages (ETag; If-None-Match answers 304)",
            tag: "Operations", access: .open, status: 200, contentType: "text/plain"),
        Operation(
            method: "post", path: "/graphql",
            summary:
                "GraphQL: one operation {query, variables, operationName}, or a batch as an array (at most 5); depth, cost and alias limits",
            tag: "Gateway", access: .open, status: 200),
        Operation(
            method: "get", path: "/graphql",
            summary:
                "GraphQL queries (not mutations) in the query string; without `query`, the GraphQL explorer page when introspection is enabled",
            tag: "Gateway", access: .open, status: 200, query: [("query", "string"), ("variables", "string"), ("operationName", "string")]),
        Operation(
            method: "get", path: "/graphql/schema.graphql", summary: "The GraphQL schema (SDL)", tag: "Gateway", access: .open, status: 200,
            contentType: "text/plain"),
        Operation(
            method: "get", path: "/.well-known/jwks.json", summary: "Public keys that verify access tokens", tag: "Identity", access: .open,
            status: 200, response: "JWKS",
            contentType: "application/jwk-set+json"),
        Operation(
            method: "post", path: "/api/v1/auth/register", summary: "Create an account", tag: "Identity", access: .open,
            request: "RegisterRequest", status: 201, response: "AuthResult"),
        Operation(
            method: "post", path: "/api/v1/auth/login", summary: "Log in (throttled: 429 with Retry-After)", tag: "Identity", access: .open,
            request: "LoginRequest", status: 200, response: "AuthResult"),
        Operation(
            method: "post", path: "/api/v1/auth/refresh",
            summary: "Exchange a refresh token for a new pair; a reused token ends its session", tag: "Identity", access: .open,
            request: "RefreshRequest", status: 200, response: "AuthResult"),
        Operation(
            method: "post", path: "/api/v1/auth/logout", summary: "End the session of a refresh token", tag: "Identity", access: .open,
            request: "RefreshRequest", status: 204),
        Operation(
            method: "post", path: "/api/v1/auth/password-reset", summary: "Mail a single-use reset token (always 202)", tag: "Identity",
            access: .open, request: "PasswordResetRequest", status: 202),
        Operation(
            method: "post", path: "/api/v1/auth/password-reset/confirm", summary: "Set a new password; every session ends", tag: "Identity",
            access: .open, request: "PasswordResetConfirm", status: 204),
        Operation(
            method: "get", path: "/api/v1/users/me", summary: "My profile", tag: "Identity", access: .user, status: 200, response: "User"),
        Operation(
            method: "patch", path: "/api/v1/users/me", summary: "Update my profile (null clears phone or address)", tag: "Identity",
            access: .user, request: "ProfilePatch", status: 200, response: "User"),
        Operation(
            method: "get", path: "/api/v1/users/me/preferences", summary: "My notification preferences", tag: "Identity", access: .user,
            status: 200, response: "Preferences"),
        Operation(
            method: "put", path: "/api/v1/users/me/preferences", summary: "Replace my notification preferences", tag: "Identity",
            access: .user, request: "Preferences", status: 200, response: "Preferences"),
        Operation(
            method: "get", path: "/api/v1/products",
            summary:
                "List products, newest first; q searches name and description; ids=a,b,c (up to 100) returns those products in that order",
            tag: "Catalog", access: .open, status: 200, response: "ProductList",
            query: [("q", "string"), ("limit", "integer"), ("cursor", "string"), ("ids", "string")]),
        Operation(
            method: "get", path: "/api/v1/products/{id}", summary: "One product", tag: "Catalog", access: .open, status: 200,
            response: "Product"),
        Operation(
            method: "post", path: "/api/v1/products", summary: "Create a product", tag: "Catalog", access: .admin, request: "CreateProduct",
            status: 201, response: "Product"),
        Operation(
            method: "patch", path: "/api/v1/products/{id}", summary: "Change name, description, price or SKU", tag: "Catalog",
            access: .admin, request: "UpdateProduct", status: 200, response: "Product"),
        Operation(
            method: "delete", path: "/api/v1/products/{id}",
            summary: "Hide a product from listings and new orders; past orders keep their lines", tag: "Catalog", access: .admin,
            status: 204),
        Operation(
            method: "get", path: "/api/v1/products/{id}/image", summary: "The product's image (ETag; If-None-Match answers 304)",
            tag: "Catalog",
            access: .open, status: 200, contentType: "image/png,image/jpeg,image/webp"),
        Operation(
            method: "put", path: "/api/v1/products/{id}/image",
            summary: "Upload the product's image: PNG, JPEG or WebP, recognised by content, at most BAZAAR_IMAGE_MAX_BYTES (5 MiB)",
            tag: "Catalog",
            access: .admin, status: 200, response: "Product"),
        Operation(
            method: "delete", path: "/api/v1/products/{id}/image", summary: "Remove the product's image", tag: "Catalog", access: .admin,
            status: 204),
        Operation(
            method: "put", path: "/api/v1/products/{id}/stock", summary: "Set the stock on hand", tag: "Catalog", access: .admin,
            request: "StockRequest", status: 200, response: "Product"),
        Operation(
            method: "get", path: "/api/v1/cart", summary: "My cart with current prices and a total", tag: "Cart", access: .user,
            status: 200, response: "Cart"),
        Operation(
            method: "put", path: "/api/v1/cart/items/{productId}",
            summary: "Set a line's quantity (0 removes it); 409 above the stock on hand", tag: "Cart", access: .user,
            request: "QuantityRequest", status: 200, response: "Cart"),
        Operation(
            method: "delete", path: "/api/v1/cart/items/{productId}", summary: "Remove a line", tag: "Cart", access: .user, status: 204),
        Operation(method: "delete", path: "/api/v1/cart", summary: "Empty the cart", tag: "Cart", access: .user, status: 204),
        Operation(
            method: "post", path: "/api/v1/orders", summary: "Place an order (Idempotency-Key header required); it starts pending",
            tag: "Orders", access: .user, request: "PlaceOrder", status: 202, response: "Order"),
        Operation(
            method: "get", path: "/api/v1/orders", summary: "My orders, newest first", tag: "Orders", access: .user, status: 200,
            response: "OrderList", query: [("limit", "integer"), ("cursor", "string")]),
        Operation(
            method: "get", path: "/api/v1/orders/{id}", summary: "One of my orders", tag: "Orders", access: .user, status: 200,
            response: "Order"),
        Operation(
            method: "post", path: "/api/v1/orders/{id}/cancel", summary: "Cancel a pending or confirmed order; stock is released",
            tag: "Orders", access: .user, status: 200, response: "Order"),
        Operation(
            method: "get", path: "/api/v1/admin/orders", summary: "All orders", tag: "Admin", access: .admin, status: 200,
            response: "OrderList", query: [("status", "string"), ("userId", "string"), ("limit", "integer"), ("cursor", "string")]),
        Operation(
            method: "put", path: "/api/v1/admin/orders/{id}/status",
            summary: "Move an order: confirmed→shipped→delivered, pending|confirmed→cancelled", tag: "Admin", access: .admin,
            request: "StatusRequest", status: 200, response: "Order"),
        Operation(
            method: "post", path: "/api/v1/admin/promotions", summary: "Create a promotion (amount in the wallet currency)",
            tag: "Promotions", access: .admin, request: "CreatePromotion", status: 201, response: "Promotion"),
        Operation(
            method: "get", path: "/api/v1/admin/promotions", summary: "All promotions, newest first", tag: "Promotions", access: .admin,
            status: 200, response: "PromotionList", query: [("limit", "integer"), ("cursor", "string")]),
        Operation(
            method: "post", path: "/api/v1/admin/promotions/{id}/assignments",
            summary: "Assign a promotion to users (idempotent per user; an id naming no known user refuses the request with 422)",
            tag: "Promotions", access: .admin, request: "AssignRequest", status: 200, response: "AssignResult"),
        Operation(
            method: "get", path: "/api/v1/promotions", summary: "Promotions assigned to me, most recently assigned first, with their state",
            tag: "Promotions", access: .user, status: 200, response: "PromotionList", query: [("limit", "integer"), ("cursor", "string")]),
        Operation(
            method: "post", path: "/api/v1/promotions/{id}/claim", summary: "Claim a promotion once; its amount is credited to my wallet",
            tag: "Promotions", access: .user, status: 200, response: "ClaimResult"),
        Operation(
            method: "get", path: "/api/v1/wallet", summary: "My balance and ledger entries, newest first", tag: "Promotions", access: .user,
            status: 200, response: "Wallet", query: [("limit", "integer"), ("cursor", "string")]),
        Operation(
            method: "get", path: "/api/v1/notifications",
            summary: "My notifications, newest first (unread=true: only unread), with the unread count", tag: "Notifications",
            access: .user, status: 200, response: "Inbox", query: [("unread", "boolean"), ("limit", "integer"), ("cursor", "string")]),
        Operation(
            method: "post", path: "/api/v1/notifications/{id}/read", summary: "Mark one of my notifications read", tag: "Notifications",
            access: .user, status: 200, response: "Notification"),
        Operation(
            method: "post", path: "/api/v1/notifications/read-all", summary: "Mark all my notifications read", tag: "Notifications",
            access: .user, status: 200, response: "ReadAllResult"),
        Operation(
            method: "get", path: "/api/v1/notifications/stream",
            summary:
                "WebSocket: one JSON text frame per new notification. Token as bearer header, `token` query item or a first message {\"token\"}; `lastEventId` replays what was missed. Lasts as long as the token (then close 1008) unless a later message {\"token\"} of the same user renews it. Without an upgrade: 426",
            tag: "Notifications", access: .open, status: 101, query: [("token", "string"), ("lastEventId", "string")]),
        Operation(
            method: "get", path: "/socket.io",
            summary:
                "Socket.IO (Engine.IO 4): handshake, long-polling and WebSocket upgrade; `authorization` query item or auth.token; event \"message\" carries a Notification; the server disconnects the socket when its token expires or its session ends",
            tag: "Notifications", access: .open, status: 200,
            query: [("EIO", "string"), ("transport", "string"), ("sid", "string"), ("authorization", "string")], contentType: "text/plain"),
        Operation(
            method: "post", path: "/socket.io", summary: "Socket.IO long-polling: packets from the client", tag: "Notifications",
            access: .open, status: 200, query: [("EIO", "string"), ("transport", "string"), ("sid", "string")], contentType: "text/html"),
        Operation(
            method: "post", path: "/api/v1/admin/notifications", summary: "Send a notification to a user", tag: "Notifications",
            access: .admin, request: "AdminNotification", status: 201, response: "Notification"),
        Operation(
            method: "post", path: "/api/v1/admin/campaigns",
            summary: "Create a campaign: a cron schedule (UTC) sending to users who allow promotions, once per user per run",
            tag: "Notifications", access: .admin, request: "CreateCampaign", status: 201, response: "Campaign"),
        Operation(
            method: "get", path: "/api/v1/admin/campaigns", summary: "All campaigns, newest first", tag: "Notifications", access: .admin,
            status: 200, response: "CampaignList", query: [("limit", "integer"), ("cursor", "string")]),
        Operation(
            method: "delete", path: "/api/v1/admin/campaigns/{id}", summary: "Delete a campaign and its schedule", tag: "Notifications",
            access: .admin, status: 204),
        Operation(
            method: "get", path: "/api/v1/admin/users", summary: "List users", tag: "Admin", access: .admin, status: 200,
            response: "UserList", query: [("limit", "integer"), ("cursor", "string"), ("email", "string")]),
        Operation(
            method: "get", path: "/api/v1/admin/users/{id}", summary: "One user", tag: "Admin", access: .admin, status: 200,
            response: "User"),
        Operation(
            method: "put", path: "/api/v1/admin/users/{id}/role", summary: "Change a user's role; their sessions end", tag: "Admin",
            access: .admin, request: "RoleRequest", status: 200, response: "User"),
        Operation(
            method: "get", path: "/api/v1/admin/events", summary: "Recent events, newest first", tag: "Admin", access: .admin, status: 200,
            response: "EventList", query: [("limit", "integer"), ("type", "string")]),
        Operation(
            method: "get", path: "/api/v1/admin/dead-letters", summary: "Events and jobs that failed too often", tag: "Admin",
            access: .admin, status: 200, response: "DeadLetterList", query: [("limit", "integer")]),
        Operation(
            method: "post", path: "/api/v1/admin/dead-letters/{id}/replay", summary: "Run a dead letter again", tag: "Admin",
            access: .admin, status: 204),
        Operation(
            method: "get", path: "/api/v1/admin/audit",
            summary:
                "The audit log, newest first: admin changes (route, target, status, address, request id) and security events (security.login-lockout, security.refresh-token-reuse, security.signing-key-rotated); action ending in * matches by prefix",
            tag: "Admin", access: .admin, status: 200, response: "AuditList",
            query: [("limit", "integer"), ("cursor", "string"), ("action", "string"), ("actorId", "string")]),
        Operation(
            method: "post", path: "/api/v1/admin/api-keys",
            summary:
                "Create an API key (scope read: GET only; admin: everything). The whole key is in this answer only; send it as X-API-Key",
            tag: "Admin", access: .admin, request: "CreateAPIKey", status: 201, response: "APIKey"),
        Operation(
            method: "get", path: "/api/v1/admin/api-keys", summary: "API keys (never the key itself)", tag: "Admin", access: .admin,
            status: 200, response: "APIKeyList"),
        Operation(
            method: "delete", path: "/api/v1/admin/api-keys/{id}", summary: "Revoke an API key", tag: "Admin", access: .admin, status: 204),
        Operation(
            method: "get", path: "/api/v1/admin/mail", summary: "The outgoing mail log", tag: "Admin", access: .admin, status: 200,
            response: "MailList", query: [("limit", "integer"), ("to", "string")]),
    ]

    /// `METHOD /path` of every documented operation, in the router's notation.
    public static var routeSet: Set<String> {
        Set(operations.map { "\($0.method.uppercased()) \($0.path)" })
    }

    static func object(_ properties: [String: Any], required: [String], additional: Bool = false) -> [String: Any] {
        ["type": "object", "properties": properties, "required": required, "additionalProperties": additional]
    }
    static func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }
    static var string: [String: Any] { ["type": "string"] }
    static var boolean: [String: Any] { ["type": "boolean"] }
    static var dateTime: [String: Any] { ["type": "string", "format": "date-time"] }
    static func list(of item: String) -> [String: Any] {
        object(
            ["items": ["type": "array", "items": ref(item)], "nextCursor": ["type": ["string", "null"]]], required: ["items", "nextCursor"])
    }

    static var schemas: [String: Any] {
        [
            "Problem": object(
                [
                    "type": string, "title": string, "status": ["type": "integer"], "detail": string, "instance": string,
                    "errors": ["type": "array", "items": ref("FieldError")],
                ], required: ["type", "title", "status"]),
            "FieldError": object(["field": string, "message": string], required: ["field", "message"]),
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
            "Event": object(
                ["id": string, "type": string, "version": ["type": "integer"], "payload": ["type": "object"], "occurredAt": dateTime],
                required: ["id", "type", "version", "payload", "occurredAt"]),
            "EventList": list(of: "Event"),
            "DeadLetter": object(
                [
                    "id": ["type": "integer"], "source": ["type": "string", "enum": ["event", "job"]], "consumer": string,
                    "eventID": string, "eventType": string, "payload": string, "error": string, "attempts": ["type": "integer"],
                    "failedAt": dateTime,
                ],
                required: ["id", "source", "consumer", "eventID", "eventType", "payload", "error", "attempts", "failedAt"]),
            "DeadLetterList": list(of: "DeadLetter"),
            "Mail": object(
                ["id": ["type": "integer"], "to": string, "subject": string, "body": string, "sentAt": dateTime],
                required: ["id", "to", "subject", "body", "sentAt"]),
            "MailList": list(of: "Mail"),
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
            "Money": object(
                [
                    "amount": ["type": "integer", "minimum": 0, "maximum": 1_000_000_000_000, "description": "minor units"],
                    "currency": ["type": "string", "pattern": "^[A-Z]{3}$"],
                ], required: ["amount", "currency"]),
            "Product": object(
                [
                    "id": string, "sku": string, "name": string, "description": string, "price": ref("Money"),
                    "stock": ["type": "integer", "minimum": 0], "createdAt": dateTime, "updatedAt": dateTime,
                    "imageUrl": ["type": ["string", "null"], "description": "where the image is served; null without one"],
                ],
                required: ["id", "sku", "name", "description", "price", "stock", "createdAt", "updatedAt", "imageUrl"]),
            "ProductList": list(of: "Product"),
            "CreateProduct": object(
                [
                    "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"],
                    "description": ["type": "string", "maxLength": 5000],
                    "price": ref("Money"),
                    "stock": ["type": "integer", "minimum": 0, "maximum": 1_000_000_000],
                    "sku": ["type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"],
                ],
                required: ["name", "description", "price", "stock", "sku"]),
            "UpdateProduct": object(
                [
                    "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"],
                    "description": ["type": "string", "maxLength": 5000],
                    "price": ref("Money"),
                    "sku": ["type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"],
                ], required: []),
            "StockRequest": object(["stock": ["type": "integer", "minimum": 0, "maximum": 1_000_000_000]], required: ["stock"]),
            "CartLine": object(
                [
                    "productId": string, "name": string, "unitPrice": ref("Money"), "quantity": ["type": "integer"],
                    "lineTotal": ref("Money"), "available": ["type": "integer"],
                ],
                required: ["productId", "name", "unitPrice", "quantity", "lineTotal", "available"]),
            "Cart": object(
                [
                    "items": ["type": "array", "items": ref("CartLine")], "total": ["oneOf": [ref("Money"), ["type": "null"]]],
                    "itemCount": ["type": "integer"],
                ],
                required: ["items", "total", "itemCount"]),
            "QuantityRequest": object(["quantity": ["type": "integer", "minimum": 0, "maximum": 1000]], required: ["quantity"]),
            "OrderLine": object(
                [
                    "productId": string, "name": string, "unitPrice": ref("Money"), "quantity": ["type": "integer"],
                    "lineTotal": ref("Money"),
                ],
                required: ["productId", "name", "unitPrice", "quantity", "lineTotal"]),
            "Order": object(
                [
                    "id": string, "userId": string,
                    "status": ["type": "string", "enum": ["pending", "confirmed", "rejected", "shipped", "delivered", "cancelled"]],
                    "items": ["type": "array", "items": ref("OrderLine")], "total": ref("Money"),
                    "paymentMethod": ["type": "string", "enum": ["wallet", "onDelivery"]],
                    "shippingAddress": ["oneOf": [ref("Address"), ["type": "null"]]], "phone": ["type": ["string", "null"]],
                    "reason": ["type": ["string", "null"]],
                    "createdAt": dateTime, "updatedAt": dateTime,
                ], required: ["id", "userId", "status", "items", "total", "paymentMethod", "createdAt", "updatedAt"]),
            "OrderList": list(of: "Order"),
            "PlaceOrder": object(
                [
                    "items": [
                        "type": "array", "minItems": 1, "maxItems": 50,
                        "items": object(
                            ["productId": string, "quantity": ["type": "integer", "minimum": 1, "maximum": 1000]],
                            required: ["productId", "quantity"]),
                    ],
                    "fromCart": boolean, "paymentMethod": ["type": "string", "enum": ["wallet", "onDelivery"]],
                ], required: ["paymentMethod"]),
            "StatusRequest": object(
                ["status": ["type": "string", "enum": ["pending", "confirmed", "rejected", "shipped", "delivered", "cancelled"]]],
                required: ["status"]),
            "Promotion": object(
                [
                    "id": string, "title": string, "description": string, "amount": ref("Money"),
                    "startsAt": ["type": ["string", "null"], "format": "date-time"],
                    "endsAt": ["type": ["string", "null"], "format": "date-time"], "createdAt": dateTime,
                    "state": [
                        "type": "string", "enum": ["available", "claimed", "expired", "upcoming"], "description": "for the assigned user",
                    ],
                    "assignedAt": ["type": ["string", "null"], "format": "date-time", "description": "for the assigned user"],
                    "claimedAt": ["type": ["string", "null"], "format": "date-time"],
                ], required: ["id", "title", "description", "amount", "createdAt"]),
            "PromotionList": list(of: "Promotion"),
            "CreatePromotion": object(
                [
                    "title": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"],
                    "description": ["type": "string", "maxLength": 5000],
                    "amount": ref("Money"),
                    "startsAt": ["type": "string", "format": "date-time"], "endsAt": ["type": "string", "format": "date-time"],
                ],
                required: ["title", "description", "amount"]),
            "AssignRequest": object(
                ["userIds": ["type": "array", "minItems": 1, "maxItems": 1000, "items": string]], required: ["userIds"]),
            "AssignResult": object(["assigned": ["type": "integer"]], required: ["assigned"]),
            "ClaimResult": object(["balance": ref("Money")], required: ["balance"]),
            "WalletEntry": object(
                [
                    "id": ["type": "integer"], "kind": ["type": "string", "enum": ["promotion", "order-debit", "order-refund"]],
                    "reference": string,
                    "amount": ref("Money"), "balanceAfter": ref("Money"), "createdAt": dateTime,
                ],
                required: ["id", "kind", "reference", "amount", "balanceAfter", "createdAt"]),
            "Wallet": object(
                [
                    "balance": ref("Money"), "entries": ["type": "array", "items": ref("WalletEntry")],
                    "nextCursor": ["type": ["string", "null"]],
                ], required: ["balance", "entries", "nextCursor"]),
            "Notification": object(
                [
                    "id": string, "userId": string,
                    "kind": [
                        "type": "string",
                        "enum": ["welcome", "admin", "campaign", "promotion.assigned", "wallet.credited", "order.status"],
                    ],
                    "title": string, "body": string, "createdAt": dateTime, "readAt": ["type": ["string", "null"], "format": "date-time"],
                    "eventId": ["type": "string", "description": "stream position; reconnect with lastEventId"],
                ], required: ["id", "userId", "kind", "title", "body", "createdAt", "eventId"]),
            "Inbox": object(
                [
                    "items": ["type": "array", "items": ref("Notification")], "nextCursor": ["type": ["string", "null"]],
                    "unreadCount": ["type": "integer"],
                ],
                required: ["items", "nextCursor", "unreadCount"]),
            "ReadAllResult": object(["updated": ["type": "integer"]], required: ["updated"]),
            "AdminNotification": object(
                [
                    "userId": ["type": "string", "minLength": 1, "maxLength": 64, "pattern": "\\S"],
                    "title": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"],
                    "body": ["type": "string", "minLength": 1, "maxLength": 5000, "pattern": "\\S"],
                ],
                required: ["userId", "title", "body"]),
            "CreateCampaign": object(
                [
                    "name": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"],
                    "schedule": ["type": "string", "description": "5-field cron, UTC"],
                    "preference": ["type": "string", "enum": ["promotions"]],
                    "title": ["type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"],
                    "body": ["type": "string", "minLength": 1, "maxLength": 5000, "pattern": "\\S"],
                ], required: ["name", "schedule", "preference", "title", "body"]),
            "Campaign": object(
                [
                    "id": string, "name": string, "schedule": string, "preference": string, "title": string, "body": string,
                    "createdAt": dateTime,
                ],
                required: ["id", "name", "schedule", "preference", "title", "body", "createdAt"]),
            "CampaignList": list(of: "Campaign"),
            "AuditEntry": object(
                [
                    "id": ["type": "integer"], "at": dateTime, "actorId": ["type": ["string", "null"]],
                    "actorRole": ["type": ["string", "null"]],
                    "action": string, "target": ["type": ["string", "null"]], "outcome": string,
                    "clientAddress": ["type": ["string", "null"]],
                    "requestId": ["type": ["string", "null"]], "detail": ["type": ["string", "null"]],
                ], required: ["id", "at", "action", "outcome"]),
            "AuditList": list(of: "AuditEntry"),
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
            "Health": object(["status": ["type": "string", "enum": ["ok", "unavailable"]]], required: ["status"]),
            "GraphQLRequest": object(
                [
                    "query": ["type": "string", "maxLength": 20_000], "variables": ["type": ["object", "null"]],
                    "operationName": ["type": ["string", "null"]], "extensions": ["type": ["object", "null"]],
                ],
                required: ["query"]),
        ]
    }

    static func problem(_ description: String) -> [String: Any] {
        ["description": description, "content": ["application/problem+json": ["schema": ref("Problem")]]]
    }

    static func pathItem(_ operation: Operation) -> [String: Any] {
        var responses: [String: Any] = [:]
        if let response = operation.response {
            responses[String(operation.status)] = ["description": "Success", "content": [operation.contentType: ["schema": ref(response)]]]
        } else if operation.status == 200 {
            let types = operation.contentType.split(separator: ",").map(String.init)
            responses["200"] = ["description": "Success", "content": Dictionary(uniqueKeysWithValues: types.map { ($0, [String: Any]()) })]
        } else {
            responses[String(operation.status)] = ["description": "Success"]
        }
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
        if operation.path.contains("{id}") || operation.path.contains("{productId}") || operation.path.contains("{name}") {
            responses["404"] = problem("No such object (or not yours)")
        }
        if operation.tag == "Orders" || operation.path.contains("/status") || operation.path.contains("/cart/items") {
            if operation.method != "get" { responses["409"] = problem("Not allowed in the current state (or above the stock on hand)") }
        }
        if operation.path == "/api/v1/orders" && operation.method == "post" {
            responses["400"] = problem("Missing or malformed Idempotency-Key, or malformed JSON")
            responses["422"] = problem("Invalid fields, or the Idempotency-Key was used with a different request")
        }
        if operation.path.hasSuffix("/image") {
            responses["404"] = problem("No such product, or (GET, DELETE) it has no image")
            if operation.method == "put" {
                responses["413"] = problem("Image larger than BAZAAR_IMAGE_MAX_BYTES")
                responses["415"] = problem("Not a PNG, JPEG or WebP image")
            }
            if operation.method == "get" { responses["304"] = ["description": "Not modified (If-None-Match)"] }
        }
        if operation.path.hasSuffix("/register") { responses["409"] = problem("The email is already registered") }
        if operation.tag == "Catalog", operation.method == "post" || operation.method == "patch" {
            responses["409"] = problem("The SKU is taken")
        }
        if operation.path.hasSuffix("/login") {
            responses["401"] = problem("Wrong email or password")
            responses["429"] = problem("Too many failed logins; see Retry-After")
        }
        if operation.path.hasSuffix("/refresh") || operation.path.hasSuffix("/logout") {
            responses["401"] = problem("Invalid, expired or reused refresh token")
            responses["403"] = problem("X-CSRF-Token does not match the CSRF cookie")
        }
        if operation.path.hasSuffix("/replay") { responses["409"] = problem("The replay failed again or its consumer is not served here") }
        if operation.path.hasSuffix("/claim") { responses["409"] = problem("Already claimed, not started yet, or expired") }
        if operation.path.hasSuffix("/role") { responses["409"] = problem("The last admin cannot lose the role") }
        if operation.path == "/api/v1/notifications/stream" {
            responses = [
                "101": ["description": "Switching to WebSocket"], "400": problem("lastEventId is not valid"),
                "401": problem("Invalid token"), "426": problem("Not a WebSocket upgrade"),
            ]
        }
        if operation.path == "/socket.io" { responses["400"] = problem("Unsupported EIO version, unknown transport or session") }
        if operation.path == "/graphql" {
            // Malformed requests are problems; a well-formed one always gets a GraphQL answer (200).
            responses["400"] = problem("Not JSON, nested too deep, a batch of 0 or more than 5, or (GET) no query")
            responses["422"] = problem("An operation without a string `query`, or with unknown fields")
            if operation.method == "post" { responses["413"] = problem("Body larger than 64 KiB") }
            if operation.method == "get" {
                responses["200"] = [
                    "description": "The GraphQL answer; the explorer page (HTML) when there is no query and introspection is on",
                    "content": ["application/json": [String: Any](), "text/html": [String: Any]()],
                ]
            }
        }
        if operation.path == "/api/v1/admin/notifications" { responses["404"] = problem("No such user") }
        if operation.path == "/admin" { responses["303"] = ["description": "Not signed in as an admin: to the sign-in page"] }
        if operation.path.hasPrefix("/api/v1/") || operation.path == "/socket.io", responses["429"] == nil {
            responses["429"] = problem(
                "Rate limit exceeded (auth routes and new realtime connections per address, others per user); see Retry-After, RateLimit and RateLimit-Policy"
            )
        }
        // Below routing, for every path: see the README's Limits.
        responses["414"] = problem("Request line longer than 8 KiB")
        responses["431"] = problem("Headers larger than 32 KiB or more than 100")
        responses["500"] = problem("Unexpected error")

        var item: [String: Any] = [
            "summary": operation.summary, "tags": [operation.tag], "responses": responses,
            "operationId": operation.method
                + operation.path.split(separator: "/").map {
                    $0.replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: "").capitalized
                }.joined()
                .filter { $0.isLetter || $0.isNumber },
        ]
        switch operation.access {
        case .admin: item["security"] = [["bearerAuth": [String]()], ["apiKey": [String]()]]
        case .user: item["security"] = [["bearerAuth": [String]()]]
        case .open: item["security"] = [[String: [String]](), ["bearerAuth": [String]()], ["apiKey": [String]()]]
        }
        if operation.path.hasSuffix("/image") && operation.method == "put" {
            let binary: [String: Any] = ["schema": ["type": "string", "format": "binary"]]
            item["requestBody"] = [
                "required": true,
                "content": ["image/png": binary, "image/jpeg": binary, "image/webp": binary, "application/octet-stream": binary],
            ]
        } else if let request = operation.request {
            // A browser's refresh and logout use the HttpOnly cookie and send no body.
            let usesCookie = operation.path.hasSuffix("/refresh") || operation.path.hasSuffix("/logout")
            item["requestBody"] = ["required": !usesCookie, "content": ["application/json": ["schema": ref(request)]]]
        } else if operation.path == "/graphql" && operation.method == "post" {
            item["requestBody"] = [
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
        }
        var parameters: [[String: Any]] = operation.query.map { name, type in
            var schema: [String: Any] = ["type": type]
            if name == "limit" { schema["minimum"] = 1; schema["maximum"] = 100; schema["default"] = 20 }
            if name == "cursor" { schema["description"] = "opaque: the nextCursor of the page before; empty or absent for the first page" }
            return ["name": name, "in": "query", "required": false, "schema": schema]
        }
        if operation.path.contains("{id}") { parameters.append(["name": "id", "in": "path", "required": true, "schema": string]) }
        if operation.path.contains("{productId}") {
            parameters.append(["name": "productId", "in": "path", "required": true, "schema": string])
        }
        if operation.path.contains("{name}") { parameters.append(["name": "name", "in": "path", "required": true, "schema": string]) }
        if operation.path == "/api/v1/orders" && operation.method == "post" {
            parameters.append([
                "name": "Idempotency-Key", "in": "header", "required": true, "schema": ["type": "string", "pattern": "^[!-~]{1,255}$"],
            ])
        }
        if operation.path.hasSuffix("/register") || operation.path.hasSuffix("/login") {
            parameters.append([
                "name": "Session-Cookie", "in": "header", "required": false, "schema": ["type": "string", "enum": ["true", "false"]],
                "description": "true: the refresh token is set as an HttpOnly, SameSite=Strict cookie (with a CSRF cookie), not returned",
            ])
        }
        if operation.path.hasSuffix("/refresh") || operation.path.hasSuffix("/logout") {
            parameters.append([
                "name": "X-CSRF-Token", "in": "header", "required": false, "schema": ["type": "string", "maxLength": 200],
                "description": "Use the refresh cookie instead of a body; must equal the bazaar_csrf cookie",
            ])
        }
        if !parameters.isEmpty { item["parameters"] = parameters }
        return item
    }

    static func json() -> Data {
        var paths: [String: [String: Any]] = [:]
        for operation in operations { paths[operation.path, default: [:]][operation.method] = pathItem(operation) }
        let document: [String: Any] = [
            "openapi": "3.1.0",
            "info": [
                "title": "Bazaar", "version": "1.0.0",
                "description": "E-commerce backend. Errors are RFC 9457 problem+json; money is integer minor units.",
            ],
            "servers": [["url": "/"]],
            "paths": paths,
            "components": [
                "schemas": schemas,
                "securitySchemes": [
                    "bearerAuth": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT (EdDSA)"],
                    "apiKey": [
                        "type": "apiKey", "in": "header", "name": "X-API-Key",
                        "description": "for automation; acts as its creator with the admin role within its scope",
                    ],
                ],
            ],
        ]
        return (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }
}
