public import PlatformCore
public import PlatformHTTP

/// Catalog's HTTP contract. Declared beside the routes; BazaarServer assembles the OpenAPI document.
public enum CatalogAPI: APIContract {
    public static let operations: [APIOperation] = [
        APIOperation(
            "get", "/api/v1/products",
            "List products, newest first; q searches name and description; ids=a,b,c (up to 100) returns those products in that order",
            tag: "Catalog", access: .open, status: 200, response: "ProductList",
            query: [("q", "string"), ("limit", "integer"), ("cursor", "string"), ("ids", "string")]),
        APIOperation(
            "get", "/api/v1/products/{id}", "One product", tag: "Catalog", access: .open, status: 200,
            response: "Product"),
        APIOperation(
            "post", "/api/v1/products", "Create a product", tag: "Catalog", access: .admin, request: "CreateProduct",
            status: 201, response: "Product",
            errors: [409: "The SKU is taken"]),
        APIOperation(
            "patch", "/api/v1/products/{id}", "Change name, description, price or SKU", tag: "Catalog",
            access: .admin, request: "UpdateProduct", status: 200, response: "Product",
            errors: [409: "The SKU is taken"]),
        APIOperation(
            "delete", "/api/v1/products/{id}", "Hide a product from listings and new orders; past orders keep their lines", tag: "Catalog",
            access: .admin,
            status: 204),
        APIOperation(
            "get", "/api/v1/products/{id}/image", "The product's image (ETag; If-None-Match answers 304)",
            tag: "Catalog",
            access: .open, status: 200, contentType: "image/png,image/jpeg,image/webp",
            errors: [404: "No such product, or (GET, DELETE) it has no image"]
        ).with {
            $0.otherResponses = [304: "Not modified (If-None-Match)"]
        },
        APIOperation(
            "put", "/api/v1/products/{id}/image",
            "Upload the product's image: PNG, JPEG or WebP, recognised by content, at most BAZAAR_IMAGE_MAX_BYTES (5 MiB)",
            tag: "Catalog",
            access: .admin, status: 200, response: "Product",
            errors: [
                404: "No such product, or (GET, DELETE) it has no image", 413: "Image larger than BAZAAR_IMAGE_MAX_BYTES",
                415: "Not a PNG, JPEG or WebP image",
            ]
        ).with {
            let binary: JSONValue = ["schema": ["type": "string", "format": "binary"]]
            $0.requestBody = [
                "required": true,
                "content": ["image/png": binary, "image/jpeg": binary, "image/webp": binary, "application/octet-stream": binary],
            ]
        },
        APIOperation(
            "delete", "/api/v1/products/{id}/image", "Remove the product's image", tag: "Catalog", access: .admin,
            status: 204,
            errors: [404: "No such product, or (GET, DELETE) it has no image"]),
        APIOperation(
            "put", "/api/v1/products/{id}/stock", "Set the stock on hand", tag: "Catalog", access: .admin,
            request: "StockRequest", status: 200, response: "Product"),
    ]

    public static var schemas: [String: JSONValue] {
        [
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
        ]
    }
}
