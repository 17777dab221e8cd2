import Foundation
import Hummingbird
import PlatformAuth
import PlatformHTTP
import WebFront

/// Serves the OpenAPI 3.1 document and the API reference page that renders it (written here,
/// embedded in the binary: no CDN). The document is assembled from the contracts each part
/// declares beside its routes (`OpenAPIDocument.contracts`); a test keeps the declared operations
/// and the router's routes the same set.
enum APIDocumentation {
    /// Built when first asked for (a static is initialised once, on first use), not at start-up:
    /// sorting its keys loads ICU's collation data, which a process that never serves the
    /// document need not hold.
    static let document = OpenAPIDocument.json()

    static func addRoutes(to router: Router<BazaarRequestContext>, verifier: TokenVerifier) {
        router.get("api-docs/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
        router.get("api-docs/v1") { _, _ in WebFront.response(for: .apiReference) }
        WebFront.addRoutes(to: router, verifier: verifier)
    }
}
