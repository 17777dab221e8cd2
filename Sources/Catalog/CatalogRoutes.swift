import Foundation
import Hummingbird
import NIOCore
import PlatformCore
import PlatformEvents
import PlatformHTTP

struct ProductView: ResponseEncodable, Sendable {
    let id: String
    let sku: String
    let name: String
    let description: String
    let price: Money
    let stock: Int
    let createdAt: Date
    let updatedAt: Date
    /// Null without an image.
    @NullWhenAbsent var imageUrl: String?

    init(_ product: Product) {
        id = product.id
        sku = product.sku
        name = product.name
        description = product.description
        price = product.price
        stock = product.stock
        createdAt = product.createdAt
        updatedAt = product.updatedAt
        imageUrl = ProductImage.url(productID: product.id, etag: product.imageETag)
    }
}

struct CatalogRoutes: Sendable {
    let service: CatalogService
    let store: ProductStore
    let cache: InvalidatedCache
    let offers: InvalidatedCache
    /// The largest image an admin may upload (`BAZAAR_IMAGE_MAX_BYTES`).
    let imageLimit: Int

    func addPublic(to api: RouterGroup<BazaarRequestContext>) {
        // Answers are cached encoded: a hit costs no JSON encoding (20 products took longer to
        // encode than everything else the request did).
        api.get("products") { request, context -> Response in
            if let ids = request.uri.queryParameters["ids"] {
                _ = try Paging.limit(from: request)  // ignored with ids, but still an integer in range
                return try context.responseEncoder.encode(try await products(ids: String(ids)), from: request, context: context)
            }
            let query = request.uri.queryParameters["q"].map(String.init)
            if let query, query.count > 200 {
                throw Problem.badRequest(
                    "Invalid query parameter.", errors: [FieldError(field: "q", message: "must be at most 200 characters")])
            }
            let key = "list|\(query ?? "")|\(request.uri.queryParameters["limit"] ?? "")|\(request.uri.queryParameters["cursor"] ?? "")"
            return try await cache.value(key) {
                let page = try await Paging.keysetPage(
                    request, fetch: { try await store.list(query: query, after: $0, limit: $1) },
                    cursor: { KeysetCursor(timestamp: $0.createdAt.millisecondsSince1970, id: $0.id) }, view: ProductView.init)
                return try context.responseEncoder.encode(page, from: request, context: context)
            }
        }
        api.get("products/{id}") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            let product: Response? = try await cache.value("product|\(id)") {
                try await store.find(id: id).map { try context.responseEncoder.encode(ProductView($0), from: request, context: context) }
            }
            guard let product else { throw CatalogError.productNotFound }
            return product
        }
        // The image itself: revalidated by ETag, and cacheable for a while (its URL changes with it).
        api.get("products/{id}/image") { request, context -> Response in
            guard let image = try await store.image(of: context.parameters.get("id") ?? "") else { throw CatalogError.noImage }
            var headers: HTTPFields = [.eTag: image.etag, .cacheControl: "public, max-age=300", .xContentTypeOptions: "nosniff"]
            if request.matches(etag: image.etag) {
                return Response(status: .notModified, headers: headers)
            }
            headers[.contentType] = image.contentType
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: image.bytes)))
        }
    }

    /// `?ids=a,b,c`: the named products in that order, unknown or deleted ones left out; one
    /// query for the lot, which is what lets the gateway load an order list's products at once.
    private func products(ids text: String) async throws -> ListResponse<ProductView> {
        let ids = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard (1...Self.maxIDs).contains(ids.count), ids.allSatisfy({ (1...64).contains($0.count) }) else {
            throw Problem.badRequest(
                "Invalid query parameter.",
                errors: [FieldError(field: "ids", message: "must be 1 to \(Self.maxIDs) comma-separated product ids")])
        }
        let found: [ProductView] = try await cache.value("ids|\(text)") { try await store.find(ids: ids).map(ProductView.init) }
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var seen = Set<String>()
        return ListResponse(items: ids.compactMap { seen.insert($0).inserted ? byID[$0] : nil }, nextCursor: nil)
    }

    static let maxIDs = 100

    /// After an admin write has committed: both caches may hold what it changed.
    private func invalidate() {
        cache.invalidate()
        offers.invalidate()
    }

    /// Admin writes share the public product paths (api.md), with the admin context.
    func addAdmin(to admin: RouterGroup<AdminContext>) {
        admin.post("products") { request, context -> EditedResponse<ProductView> in
            let body = try await request.decodeBody(CreateProductPayload.self, context: context)
            defer { invalidate() }
            return EditedResponse(status: .created, response: ProductView(try await service.create(body)))
        }
        admin.patch("products/{id}") { request, context -> ProductView in
            let body = try await request.decodeBody(UpdateProductPayload.self, context: context)
            defer { invalidate() }
            return ProductView(try await service.update(id: context.parameters.get("id") ?? "", body))
        }
        admin.delete("products/{id}") { _, context -> HTTPResponse.Status in
            defer { invalidate() }
            try await service.delete(id: context.parameters.get("id") ?? "")
            return .noContent
        }
        admin.put("products/{id}/image") { request, context -> ProductView in
            var request = request
            let bytes: ByteBuffer
            do {
                bytes = try await request.collectBody(upTo: imageLimit)
            } catch is NIOTooManyBytesError {
                throw CatalogError.imageTooLarge(limit: imageLimit)
            }
            defer { invalidate() }
            return ProductView(try await service.setImage(id: context.parameters.get("id") ?? "", bytes: Array(buffer: bytes)))
        }
        admin.delete("products/{id}/image") { _, context -> HTTPResponse.Status in
            defer { invalidate() }
            try await service.removeImage(id: context.parameters.get("id") ?? "")
            return .noContent
        }
        admin.put("products/{id}/stock") { request, context -> ProductView in
            let body = try await request.decodeBody(StockPayload.self, context: context)
            defer { invalidate() }
            return ProductView(try await service.setStock(id: context.parameters.get("id") ?? "", to: body.stock))
        }
    }
}
