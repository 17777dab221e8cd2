public import PlatformCore
public import PlatformHTTP

/// Notifications' HTTP contract: inbox, realtime, campaigns. Declared beside the routes; BazaarServer assembles the OpenAPI document.
public enum NotificationsAPI: APIContract {
    public static let operations: [APIOperation] = [
        APIOperation(
            "get", "/api/v1/notifications", "My notifications, newest first (unread=true: only unread), with the unread count",
            tag: "Notifications",
            access: .user, status: 200, response: "Inbox", query: [("unread", "boolean"), ("limit", "integer"), ("cursor", "string")]),
        APIOperation(
            "post", "/api/v1/notifications/{id}/read", "Mark one of my notifications read", tag: "Notifications",
            access: .user, status: 200, response: "Notification"),
        APIOperation(
            "post", "/api/v1/notifications/read-all", "Mark all my notifications read", tag: "Notifications",
            access: .user, status: 200, response: "ReadAllResult"),
        APIOperation(
            "get", "/api/v1/notifications/stream",
            "WebSocket: one JSON text frame per new notification. Token as bearer header, `token` query item or a first message {\"token\"}; `lastEventId` replays what was missed. Lasts as long as the token (then close 1008) unless a later message {\"token\"} of the same user renews it. Without an upgrade: 426",
            tag: "Notifications", access: .open, status: 101, query: [("token", "string"), ("lastEventId", "string")],
            errors: [400: "lastEventId is not valid", 401: "Invalid token", 426: "Not a WebSocket upgrade"]
        ).with {
            $0.success = ["description": "Switching to WebSocket"]
            $0.replacesStandardErrors = true
        },
        APIOperation(
            "get", "/socket.io",
            "Socket.IO (Engine.IO 4): handshake, long-polling and WebSocket upgrade; `authorization` query item or auth.token; event \"message\" carries a Notification; the server disconnects the socket when its token expires or its session ends",
            tag: "Notifications", access: .open, status: 200,
            query: [("EIO", "string"), ("transport", "string"), ("sid", "string"), ("authorization", "string")], contentType: "text/plain",
            errors: [400: "Unsupported EIO version, unknown transport or session"]),
        APIOperation(
            "post", "/socket.io", "Socket.IO long-polling: packets from the client", tag: "Notifications",
            access: .open, status: 200, query: [("EIO", "string"), ("transport", "string"), ("sid", "string")], contentType: "text/html",
            errors: [400: "Unsupported EIO version, unknown transport or session"]),
        APIOperation(
            "post", "/api/v1/admin/notifications", "Send a notification to a user", tag: "Notifications",
            access: .admin, request: "AdminNotification", status: 201, response: "Notification",
            errors: [404: "No such user"]),
        APIOperation(
            "post", "/api/v1/admin/campaigns",
            "Create a campaign: a cron schedule (UTC) sending to users who allow promotions, once per user per run",
            tag: "Notifications", access: .admin, request: "CreateCampaign", status: 201, response: "Campaign"),
        APIOperation(
            "get", "/api/v1/admin/campaigns", "All campaigns, newest first", tag: "Notifications", access: .admin,
            status: 200, response: "CampaignList", query: [("limit", "integer"), ("cursor", "string")]),
        APIOperation(
            "delete", "/api/v1/admin/campaigns/{id}", "Delete a campaign and its schedule", tag: "Notifications",
            access: .admin, status: 204),
    ]

    public static var schemas: [String: JSONValue] {
        [
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
        ]
    }
}
