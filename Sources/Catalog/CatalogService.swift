import Contracts
import Foundation
import Platform
import SQLKit

/// Catalog's admin use cases; each change and its event commit together.
struct CatalogService: Sendable {
    let platform: PlatformContext
    let store: ProductStore

    func create(_ body: CreateProductBody) async throws -> Product {
        let now = platform.clock.now()
        let product = Product(
            id: UUID().uuidString.lowercased(), sku: body.sku, name: body.name.trimmingCharacters(in: .whitespacesAndNewlines),
            description: body.description, price: body.price, stock: body.stock, createdAt: now, updatedAt: now)
        try await writeUniqueSKU(product.sku, excluding: nil) { [events = platform.events] db in
            try await db.insert(into: "products").columns(Product.columns + ["deleted_at"]).values(
                SQLBind(product.id), SQLBind(product.sku), SQLBind(product.name), SQLBind(product.description), SQLBind(product.price.amount),
                SQLBind(product.price.currency), SQLBind(product.stock), SQLBind(now.millisecondsSince1970), SQLBind(now.millisecondsSince1970),
                SQLLiteral.null
            ).run()
            try await events.append(ProductCreated(product: product.changed), on: db)
        }
        return product
    }

    func update(id: String, _ body: UpdateProductBody) async throws -> Product {
        let now = platform.clock.now()
        return try await writeUniqueSKU(body.sku, excluding: id) { [events = platform.events] db in
            guard var product = try await ProductStore.find(id: id, on: db) else { throw CatalogError.productNotFound }
            if let name = body.name { product.name = name.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let description = body.description { product.description = description }
            if let price = body.price { product.price = price }
            if let sku = body.sku { product.sku = sku }
            product.updatedAt = now
            try await db.update("products").set("name", to: product.name).set("description", to: product.description)
                .set("price_amount", to: product.price.amount).set("price_currency", to: product.price.currency).set("sku", to: product.sku)
                .set("updated_at", to: now.millisecondsSince1970).where("id", .equal, id).run()
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
            try await db.update("products").set("stock", to: stock).set("updated_at", to: now.millisecondsSince1970).where("id", .equal, id).run()
            try await events.append(ProductUpdated(product: product.changed), on: db)
            return product
        }
    }

    func delete(id: String) async throws {
        let now = platform.clock.now().millisecondsSince1970
        try await platform.database.transaction { [events = platform.events] db in
            let deleted = try await db.raw("UPDATE products SET deleted_at = \(bind: now), updated_at = \(bind: now) WHERE id = \(bind: id) AND deleted_at IS NULL RETURNING id").first()
            guard deleted != nil else { throw CatalogError.productNotFound }
            try await events.append(ProductDeleted(productID: id), on: db)
        }
    }

    /// Runs a write whose SKU must be unique; the unique index decides races, reported as 409.
    private func writeUniqueSKU<T: Sendable>(
        _ sku: String?, excluding id: String?, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        do {
            return try await platform.database.transaction { db in
                if let sku, try await db.select().column("id").from("products").where("sku", .equal, sku).where("id", .notEqual, id ?? "").first() != nil {
                    throw CatalogError.skuTaken(sku)
                }
                return try await body(db)
            }
        } catch let error as CatalogError {
            throw error
        } catch {
            if let sku, try await platform.database.read({ db in try await db.select().column("id").from("products").where("sku", .equal, sku).first() }) != nil {
                throw CatalogError.skuTaken(sku)
            }
            throw error
        }
    }
}
