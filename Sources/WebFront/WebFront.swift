import Crypto
import HTTPTypes
public import Hummingbird
public import PlatformAuth
import PlatformCore
public import PlatformHTTP

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
            case .storefront: pages.storefront
            case .adminConsole: pages.adminConsole
            case .apiReference: pages.apiReference
            case .graphQLExplorer: pages.graphQLExplorer
            case .realtime: pages.realtime
            }
        return asset.response(cacheControl: "no-cache")
    }

    /// The pages, and `GET /assets/{name}` validated by ETag (`no-cache`: a new build's files are
    /// seen at once). The admin console's page is served only to a browser whose console cookie
    /// holds an admin's valid access token (set at sign-in and every refresh); anyone else is sent
    /// to sign in. Its data comes from the admin API, which refuses non-admins on its own.
    public static func addRoutes(to router: Router<BazaarRequestContext>, verifier: TokenVerifier) {
        router.get("/") { _, _ in response(for: .storefront) }
        router.get("reset-password") { _, _ in response(for: .storefront) }
        router.get("admin") { request, _ in
            guard let token = request.cookies[BrowserCookie.console]?.value, let user = try? await verifier.verify(token),
                user.role == .admin
            else {
                var headers = securityHeaders
                headers[.location] = "/#/login?next=/admin"
                headers[.cacheControl] = "no-store"
                return Response(status: .seeOther, headers: headers)
            }
            var page = response(for: .adminConsole)
            page.headers[.cacheControl] = "no-store"
            return page
        }
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
        "admin.js": WebAsset(PackageResources.admin_js, type: "text/javascript; charset=utf-8"),
        "live.js": WebAsset(PackageResources.live_js, type: "text/javascript; charset=utf-8"),
        "session.js": WebAsset(PackageResources.session_js, type: "text/javascript; charset=utf-8"),
        "shop.css": WebAsset(PackageResources.shop_css, type: "text/css; charset=utf-8"),
        "store.js": WebAsset(PackageResources.store_js, type: "text/javascript; charset=utf-8"),
        "api-reference.js": WebAsset(PackageResources.api_reference_js, type: "text/javascript; charset=utf-8"),
        "graphql-explorer.js": WebAsset(PackageResources.graphql_explorer_js, type: "text/javascript; charset=utf-8"),
        "bazaar.css": WebAsset(PackageResources.bazaar_css, type: "text/css; charset=utf-8"),
        "dom.js": WebAsset(PackageResources.dom_js, type: "text/javascript; charset=utf-8"),
        "favicon.svg": WebAsset(PackageResources.favicon_svg, type: "image/svg+xml"),
        "realtime.js": WebAsset(PackageResources.realtime_js, type: "text/javascript; charset=utf-8"),
    ]

    /// The pages, each served at its own route only (never under `/assets/`: the admin console's
    /// is refused to non-admins).
    static let pages = (
        storefront: WebAsset(PackageResources.store_html, type: "text/html; charset=utf-8"),
        adminConsole: WebAsset(PackageResources.admin_html, type: "text/html; charset=utf-8"),
        apiReference: WebAsset(PackageResources.api_reference_html, type: "text/html; charset=utf-8"),
        graphQLExplorer: WebAsset(PackageResources.graphql_explorer_html, type: "text/html; charset=utf-8"),
        realtime: WebAsset(PackageResources.realtime_html, type: "text/html; charset=utf-8")
    )

    /// Every script, style and icon by name, for the tests that read them.
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
        etag = "\"" + SHA256.hash(data: bytes).prefix(12).hexadecimal + "\""
    }

    func response(cacheControl: String) -> Response {
        var headers = WebFront.securityHeaders
        headers[.contentType] = contentType
        headers[.eTag] = etag
        headers[.cacheControl] = cacheControl
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: bytes))
    }
}
