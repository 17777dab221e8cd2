public import PlatformCore
public import PlatformHTTP

/// Ordering's HTTP contract. Declared beside the routes; BazaarServer assembles the OpenAPI document.
public enum OrderingAPI: APIContract {
    public static let operations: [APIOperation] = [
        APIOperation(
            "post", "/api/v1/orders", "Place an order (Idempotency-Key header required); it starts pending",
            tag: "Orders", access: .user, request: "PlaceOrder", status: 202, response: "Order",
            headers: [.init("Idempotency-Key", required: true, schema: ["type": "string", "pattern": "^[!-~]{1,255}$"])],
            errors: [
                400: "Missing or malformed Idempotency-Key, or malformed JSON",
                422: "Invalid fields, or the Idempotency-Key was used with a different request",
                409: "Not allowed in the current state (or above the stock on hand)",
            ]),
        APIOperation(
            "get", "/api/v1/orders", "My orders, newest first", tag: "Orders", access: .user, status: 200,
            response: "OrderList", query: [("limit", "integer"), ("cursor", "string")]),
        APIOperation(
            "get", "/api/v1/orders/{id}", "One of my orders", tag: "Orders", access: .user, status: 200,
            response: "Order"),
        APIOperation(
            "post", "/api/v1/orders/{id}/cancel", "Cancel a pending or confirmed order; stock is released",
            tag: "Orders", access: .user, status: 200, response: "Order",
            errors: [409: "Not allowed in the current state (or above the stock on hand)"]),
        APIOperation(
            "get", "/api/v1/admin/orders", "All orders", tag: "Admin", access: .admin, status: 200,
            response: "OrderList", query: [("status", "string"), ("userId", "string"), ("limit", "integer"), ("cursor", "string")]),
        APIOperation(
            "put", "/api/v1/admin/orders/{id}/status", "Move an order: confirmed→shipped→delivered, pending|confirmed→cancelled",
            tag: "Admin", access: .admin,
            request: "StatusRequest", status: 200, response: "Order",
            errors: [409: "Not allowed in the current state (or above the stock on hand)"]),
    ]

    public static var schemas: [String: JSONValue] {
        [
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
        ]
    }
}
