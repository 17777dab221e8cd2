import Crypto
public import Hummingbird
import HTTPTypes
public import Platform

/// The pages Bazaar serves to browsers, written here and embedded in the binary: nothing is
/// fetched from another host, so they work on a machine with no internet: the storefront at `/`
/// (and `/reset-password`, where the reset mail links), the admin console at `/admin`, the API
/// reference at `/api-docs/v1/`, the GraphQL explorer at `/graphql` and the realtime page at
/// `/realtime`. Each page is a small HTML file and hand-written JavaScript modules that draw it
/// from the public API (no build step, no framework: there is no npm registry to fetch one from,
/// and the API the pages use is the one every other client uses).
public enum WebFront {
    public enum Page: Sendable {
        case storefront
        case adminConsole
        case apiReference
        case graphQLExplorer
        case realtime
    }

    /// Pages and their scripts and styles: scripts only from this origin (no inline script),
    /// requests only to it, never inside another site's frame.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    public static func response(for page: Page) -> Response {
        let asset =
            switch page {
            case .storefront: assets["store.html"]!
            case .adminConsole: assets["admin.html"]!
            case .apiReference: assets["api-reference.html"]!
            case .graphQLExplorer: assets["graphql-explorer.html"]!
            case .realtime: assets["realtime.html"]!
            }
        return asset.response(cacheControl: "no-cache")
    }

    /// The pages, and `GET /assets/{name}` validated by ETag (`no-cache`: a new build's files are
    /// seen at once). The admin console's page holds no data: what it shows comes from the admin
    /// API, which refuses anyone but an admin.
    public static func addRoutes(to router: Router<BazaarRequestContext>) {
        router.get("/") { _, _ in response(for: .storefront) }
        router.get("reset-password") { _, _ in response(for: .storefront) }
        router.get("admin") { _, _ in response(for: .adminConsole) }
        router.get("realtime") { _, _ in response(for: .realtime) }
        router.get("assets/:name") { request, context in
            guard let name = context.parameters.get("name"), let asset = assets[name] else { throw Problem.notFound("No such asset.") }
            if request.matches(etag: asset.etag) {
                var headers = securityHeaders
                headers[.eTag] = asset.etag
                headers[.cacheControl] = "no-cache"
                return Response(status: .notModified, headers: headers)
            }
            return asset.response(cacheControl: "no-cache")
        }
    }

    static let assets: [String: WebAsset] = [
        "admin.html": WebAsset(PackageResources.admin_html, type: "text/html; charset=utf-8"),
        "admin.js": WebAsset(PackageResources.admin_js, type: "text/javascript; charset=utf-8"),
        "live.js": WebAsset(PackageResources.live_js, type: "text/javascript; charset=utf-8"),
        "session.js": WebAsset(PackageResources.session_js, type: "text/javascript; charset=utf-8"),
        "shop.css": WebAsset(PackageResources.shop_css, type: "text/css; charset=utf-8"),
        "store.html": WebAsset(PackageResources.store_html, type: "text/html; charset=utf-8"),
        "store.js": WebAsset(PackageResources.store_js, type: "text/javascript; charset=utf-8"),
        "api-reference.html": WebAsset(PackageResources.api_reference_html, type: "text/html; charset=utf-8"),
        "api-reference.js": WebAsset(PackageResources.api_reference_js, type: "text/javascript; charset=utf-8"),
        "graphql-explorer.html": WebAsset(PackageResources.graphql_explorer_html, type: "text/html; charset=utf-8"),
        "graphql-explorer.js": WebAsset(PackageResources.graphql_explorer_js, type: "text/javascript; charset=utf-8"),
        "bazaar.css": WebAsset(PackageResources.bazaar_css, type: "text/css; charset=utf-8"),
        "dom.js": WebAsset(PackageResources.dom_js, type: "text/javascript; charset=utf-8"),
        "favicon.svg": WebAsset(PackageResources.favicon_svg, type: "image/svg+xml"),
        "realtime.html": WebAsset(PackageResources.realtime_html, type: "text/html; charset=utf-8"),
        "realtime.js": WebAsset(PackageResources.realtime_js, type: "text/javascript; charset=utf-8"),
    ]

    /// Every embedded file by name, for the tests that read them.
    public static var assetNames: [String] { assets.keys.sorted() }
}

/// One embedded file with its type and a strong ETag (the SHA-256 of its bytes).
struct WebAsset: Sendable {
    let bytes: ByteBuffer
    let contentType: String
    let etag: String

    init(_ bytes: [UInt8], type: String) {
        self.bytes = ByteBuffer(bytes: bytes)
        contentType = type
        etag = "\"" + SHA256.hash(data: bytes).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
    }

    func response(cacheControl: String) -> Response {
        var headers = WebFront.securityHeaders
        headers[.contentType] = contentType
        headers[.eTag] = etag
        headers[.cacheControl] = cacheControl
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: bytes))
    }
}
