import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

/// Product images: an admin uploads PNG, JPEG or WebP (recognised by content), within the size
/// limit; anything else is refused with nothing stored; the image is served with an ETag.
@Suite("Product images")
struct ProductImageTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 200)
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 1, count: 100)
    static let webp: [UInt8] = Array("RIFF".utf8) + [0x20, 0, 0, 0] + Array("WEBPVP8 ".utf8) + Array(repeating: 2, count: 64)

    struct WithImage: Decodable { let id: String; let imageUrl: String? }

    @Test(arguments: TestEngine.allCases)
    func adminUploadsAndEveryoneSeesTheImage(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, configure: { $0.imageMaxBytes = 4096 }) { app in
            let admin = try await app.admin().accessToken
            let product = try await app.createProduct(admin: admin, sku: "IMG-1", name: "Lamp")
            let listed = try await app.request(.get, "/api/v1/products/\(product.id)").decode(WithImage.self)
            #expect(listed.imageUrl == nil)
            #expect(try await app.request(.get, "/api/v1/products/\(product.id)/image").status == .notFound)

            // Refused: a user, a type that is not an image (whatever it claims), too large, no such product.
            let user = try await app.register(email: "img@example.com")
            #expect(try await app.request(.put, "/api/v1/products/\(product.id)/image", bytes: Self.png).status == .unauthorized)
            #expect(try await app.request(.put, "/api/v1/products/\(product.id)/image", token: user.accessToken, bytes: Self.png).status == .forbidden)
            let gif = try await app.request(
                .put, "/api/v1/products/\(product.id)/image", token: admin, bytes: Array("GIF89a....".utf8), headers: [.contentType: "image/png"])
            #expect(gif.status == .unsupportedMediaType)
            #expect(gif.headers[.contentType] == "application/problem+json")
            let huge = try await app.request(.put, "/api/v1/products/\(product.id)/image", token: admin, bytes: Self.png + Array(repeating: 0, count: 5000))
            #expect(huge.status == .contentTooLarge)
            #expect(try await app.request(.put, "/api/v1/products/nope/image", token: admin, bytes: Self.png).status == .notFound)
            #expect(try await app.request(.get, "/api/v1/products/\(product.id)/image").status == .notFound, "nothing was stored")

            // Stored, served with its type and ETag, revalidated, and shown on the product.
            for (bytes, type) in [(Self.png, "image/png"), (Self.jpeg, "image/jpeg"), (Self.webp, "image/webp")] {
                let uploaded = try await app.request(.put, "/api/v1/products/\(product.id)/image", token: admin, bytes: bytes)
                #expect(uploaded.status == .ok)
                let url = try #require(try uploaded.decode(WithImage.self).imageUrl)
                #expect(url.hasPrefix("/api/v1/products/\(product.id)/image?v="))
                let image = try await app.request(.get, url)
                #expect(image.status == .ok)
                #expect(image.headers[.contentType] == type)
                #expect(Array(buffer: image.body) == bytes)
                let etag = try #require(image.headers[.eTag])
                #expect(image.headers[.cacheControl] == "public, max-age=300")
                #expect(try await app.request(.get, url, headers: [.ifNoneMatch: etag]).status == .notModified)
                // The cached product answer shows the new image at once.
                #expect(try await app.request(.get, "/api/v1/products/\(product.id)").decode(WithImage.self).imageUrl == url)
            }
            let graph = try await app.graphQLData(#"{ product(id: "\#(product.id)") { imageUrl } }"#)
            #expect(graph["product"]["imageUrl"].string?.hasPrefix("/api/v1/products/\(product.id)/image?v=") == true)

            #expect(try await app.request(.delete, "/api/v1/products/\(product.id)/image", token: user.accessToken).status == .forbidden)
            #expect(try await app.request(.get, "/api/v1/products/\(product.id)/image").status == .ok, "a refused delete removes nothing")
            #expect(try await app.request(.delete, "/api/v1/products/\(product.id)/image", token: admin).status == .noContent)
            #expect(try await app.request(.get, "/api/v1/products/\(product.id)/image").status == .notFound)
            #expect(try await app.request(.delete, "/api/v1/products/\(product.id)/image", token: admin).status == .notFound)
            #expect(try await app.request(.get, "/api/v1/products/\(product.id)").decode(WithImage.self).imageUrl == nil)
        }
    }
}
