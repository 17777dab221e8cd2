import Foundation
import Hummingbird
import Platform

/// Serves the OpenAPI 3.1 document and a Swagger UI page for it. The document is built from
/// `OpenAPIDocument.operations`; a test keeps that list and the router's routes the same set.
enum APIDocumentation {
    static func addRoutes(to router: Router<BazaarRequestContext>) {
        let document = OpenAPIDocument.json()
        router.get("api-docs/v1/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
        router.get("api-docs/v1") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: swaggerPage)))
        }
    }

    /// Swagger UI from its public CDN build; the page only needs the document URL.
    static let swaggerPage = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Bazaar API</title>
          <link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css">
        </head>
        <body>
          <div id="swagger-ui"></div>
          <script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js" crossorigin></script>
          <script>
            window.onload = () => { window.ui = SwaggerUIBundle({ url: "/api-docs/v1/openapi.json", dom_id: "#swagger-ui" }); };
          </script>
        </body>
        </html>
        """
}
