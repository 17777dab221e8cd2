public import PlatformCore
public import PlatformHTTP

/// Cart's HTTP contract. Declared beside the routes; BazaarServer assembles the OpenAPI document.
public enum CartAPI: APIContract {
    public static let operations: [APIOperation] = [
        APIOperation(
            "get", "/api/v1/cart", "My cart with current prices and a total", tag: "Cart", access: .user,
            status: 200, response: "Cart"),
        APIOperation(
            "put", "/api/v1/cart/items/{productId}", "Set a line's quantity (0 removes it); 409 above the stock on hand", tag: "Cart",
            access: .user,
            request: "QuantityRequest", status: 200, response: "Cart",
            errors: [409: "Not allowed in the current state (or above the stock on hand)"]),
        APIOperation(
            "delete", "/api/v1/cart/items/{productId}", "Remove a line", tag: "Cart", access: .user, status: 204,
            errors: [409: "Not allowed in the current state (or above the stock on hand)"]),
        APIOperation("delete", "/api/v1/cart", "Empty the cart", tag: "Cart", access: .user, status: 204),
    ]

    public static var schemas: [String: JSONValue] {
        [
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
        ]
    }
}
