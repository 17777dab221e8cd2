import Contracts
import Foundation
import Platform
import SQLKit

/// Catalog's rules for admins' changes; each change and its event commit together. Refusals
/// are `CatalogError`s, the SQL is `ProductStore`'s (and `StockReservations`' for the saga).
struct CatalogService: Sendable {
    let platform: PlatformContext
    let store: ProductStore

    func create(_ body: CreateProductPayload) async throws -> Product {
        let now = platform.clock.now()
        let product = Product(
            id: UUID().uuidString.lowercased(), sku: body.sku, name: body.name.trimmingCharacters(in: .whitespacesAndNewlines),
            description: body.description, price: body.price, stock: body.stock, createdAt: now, updatedAt: now)
        try await writeUniqueSKU(product.sku, excluding: nil) { [events = platform.events] db in
            try await ProductStore.insert(product, on: db)
            try await events.append(ProductCreated(product: product.changed), on: db)
        }
        return product
    }

    func update(id: String, _ body: UpdateProductPayload) async throws -> Product {
        let now = platform.clock.now()
        return try await writeUniqueSKU(body.sku, excluding: id) { [events = platform.events] db in
            guard var product = try await ProductStore.find(id: id, on: db) else { throw CatalogError.productNotFound }
            if let name = body.name { product.name = name.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let description = body.description { product.description = description }
            if let price = body.price { product.price = price }
            if let sku = body.sku { product.sku = sku }
            product.updatedAt = now
            try await ProductStore.updateDetails(product, on: db)
            try await events.append(ProductUpdated(product: product.changed), on: db)
            return product
        }
    }

    func setStock(id: String, to stock: Int) async throws -> Product {
        let now = platform.clock.now()
        return try await platform.database.transaction { [events = platform.events] db in
            guard var product = try await ProductStore.find(id: id, on: db) else { throw CatalogError.productNotFound }
            product.stock = stock
            product.updatedAt = now
            try await ProductStore.setStock(id, to: stock, at: now.millisecondsSince1970, on: db)
            try await events.append(ProductUpdated(product: product.changed), on: db)
            return product
        }
    }

    func delete(id: String) async throws {
        let now = platform.clock.now().millisecondsSince1970
        try await platform.database.transaction { [events = platform.events] db in
            guard try await ProductStore.markDeleted(id, at: now, on: db) else { throw CatalogError.productNotFound }
            try await events.append(ProductDeleted(productID: id), on: db)
        }
    }

    /// Stores the product's image (replacing any) and announces the product as changed.
    func setImage(id: String, bytes: [UInt8]) async throws -> Product {
        guard let image = ProductImage(bytes: bytes) else { throw CatalogError.unsupportedImage }
        let now = platform.clock.now()
        return try await platform.database.transaction { [events = platform.events] db in
            guard var product = try await ProductStore.find(id: id, on: db) else { throw CatalogError.productNotFound }
            try await ProductStore.setImage(image, of: id, at: now.millisecondsSince1970, on: db)
            product.imageETag = image.etag
            product.updatedAt = now
            try await events.append(ProductUpdated(product: product.changed), on: db)
            return product
        }
    }

    func removeImage(id: String) async throws {
        let now = platform.clock.now()
        try await platform.database.transaction { [events = platform.events] db in
            guard var product = try await ProductStore.find(id: id, on: db) else { throw CatalogError.productNotFound }
            guard try await ProductStore.removeImage(of: id, at: now.millisecondsSince1970, on: db) else { throw CatalogError.noImage }
            product.imageETag = nil
            try await events.append(ProductUpdated(product: product.changed), on: db)
        }
    }

    /// Runs a write whose SKU must be unique; the unique index decides races, reported as 409.
    private func writeUniqueSKU<T: Sendable>(
        _ sku: String?, excluding id: String?, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        do {
            return try await platform.database.transaction { db in
                if let sku, try await ProductStore.skuTaken(sku, excluding: id, on: db) {
                    throw CatalogError.skuTaken(sku)
                }
                return try await body(db)
            }
        } catch let error as CatalogError {
            throw error
        } catch {
            if let sku, try await store.skuTaken(sku) {
                throw CatalogError.skuTaken(sku)
            }
            throw error
        }
    }
}
