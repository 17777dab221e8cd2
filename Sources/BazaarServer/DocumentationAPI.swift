public import PlatformHTTP

/// The API reference and this document. Declared beside the routes; BazaarServer assembles the OpenAPI document.
public enum DocumentationAPI: APIContract {
    public static let operations: [APIOperation] = [
        APIOperation(
            "get", "/api-docs/v1/openapi.json", "This document", tag: "Operations", access: .open, status: 200),
        APIOperation(
            "get", "/api-docs/v1", "The API reference (HTML), with a way to try each operation", tag: "Operations",
            access: .open, status: 200, contentType: "text/html"),
    ]
}
