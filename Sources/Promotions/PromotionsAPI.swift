public import PlatformCore
public import PlatformHTTP

/// Promotions' and the wallet's HTTP contract. Declared beside the routes; BazaarServer assembles the OpenAPI document.
public enum PromotionsAPI: APIContract {
    public static let operations: [APIOperation] = [
        APIOperation(
            "post", "/api/v1/admin/promotions", "Create a promotion (amount in the wallet currency)",
            tag: "Promotions", access: .admin, request: "CreatePromotion", status: 201, response: "Promotion"),
        APIOperation(
            "get", "/api/v1/admin/promotions", "All promotions, newest first", tag: "Promotions", access: .admin,
            status: 200, response: "PromotionList", query: [("limit", "integer"), ("cursor", "string")]),
        APIOperation(
            "post", "/api/v1/admin/promotions/{id}/assignments",
            "Assign a promotion to users (idempotent per user; an id naming no known user refuses the request with 422)",
            tag: "Promotions", access: .admin, request: "AssignRequest", status: 200, response: "AssignResult"),
        APIOperation(
            "get", "/api/v1/promotions", "Promotions assigned to me, most recently assigned first, with their state",
            tag: "Promotions", access: .user, status: 200, response: "PromotionList", query: [("limit", "integer"), ("cursor", "string")]),
        APIOperation(
            "post", "/api/v1/promotions/{id}/claim", "Claim a promotion once; its amount is credited to my wallet",
            tag: "Promotions", access: .user, status: 200, response: "ClaimResult",
            errors: [409: "Already claimed, not started yet, or expired"]),
        APIOperation(
            "get", "/api/v1/wallet", "My balance and ledger entries, newest first", tag: "Promotions", access: .user,
            status: 200, response: "Wallet", query: [("limit", "integer"), ("cursor", "string")]),
    ]

    public static var schemas: [String: JSONValue] {
        [
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
        ]
    }
}
