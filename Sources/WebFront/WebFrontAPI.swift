public import PlatformHTTP

/// The pages for browsers and their assets. Declared beside the routes; BazaarServer assembles the OpenAPI document.
public enum WebFrontAPI: APIContract {
    public static let operations: [APIOperation] = [
        APIOperation(
            "get", "/", "The storefront (HTML): shop, cart, orders, wallet, promotions, inbox, profile", tag: "Pages",
            access: .open, status: 200, contentType: "text/html"),
        APIOperation(
            "get", "/reset-password", "The storefront's page for the link a password-reset mail carries",
            tag: "Pages", access: .open, status: 200, contentType: "text/html"),
        APIOperation(
            "get", "/admin",
            "The admin console (HTML), for a browser signed in as an admin (its console cookie); others are sent to sign in (303)",
            tag: "Pages",
            access: .open, status: 200, contentType: "text/html"
        ).with {
            $0.otherResponses = [303: "Not signed in as an admin: to the sign-in page"]
        },
        APIOperation(
            "get", "/realtime", "A page that watches a user's notification stream (paste a token, see frames arrive)",
            tag: "Operations", access: .open, status: 200, contentType: "text/html"),
        APIOperation(
            "get", "/assets/{name}", "A script or style of Bazaar's pages (ETag; If-None-Match answers 304)",
            tag: "Operations", access: .open, status: 200, contentType: "text/plain"),
    ]
}
