import Contracts
import Foundation
import PlatformCore
import PlatformDatabase
import PlatformEvents
import PlatformHTTP
import SQLKit

/// SQL for products. Deleted products keep their row (past orders and reservations refer to
/// them) but are invisible to every read here.
struct ProductStore: Sendable {
    let database: any Database

    func find(id: String) async throws -> Product? {
        try await database.read { db in try await Self.find(id: id, on: db) }
    }

    static func find(id: String, on db: any SQLDatabase) async throws -> Product? {
        try await db.select().columns(Product.readColumns.map { SQLColumn($0) }).from("products")
            .where("id", .equal, id).where("deleted_at", .is, SQLLiteral.null).first().map(Product.init(row:))
    }

    func find(ids: [String]) async throws -> [Product] {
        try await database.read { db in
            try await db.select().columns(Product.readColumns.map { SQLColumn($0) }).from("products")
                .where("id", .in, Array(Set(ids))).where("deleted_at", .is, SQLLiteral.null).all().map(Product.init(row:))
        }
    }

    /// Newest first; `query` matches name or description case-insensitively.
    func list(query: String?, after cursor: KeysetCursor?, limit: Int) async throws -> [Product] {
        try await database.read { db in
            var select = db.select().columns(Product.readColumns.map { SQLColumn($0) }).from("products").where(
                "deleted_at", .is, SQLLiteral.null)
            if let query, !query.isEmpty {
                let pattern =
                    "%"
                    + query.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_") + "%"
                select = select.where(
                    SQLQueryString(
                        "(LOWER(name) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(description) LIKE \(bind: pattern) ESCAPE '\\')"))
            }
            if let cursor {
                select = select.where(
                    cursor.olderRows)
            }
            return try await select.orderBy("created_at", .descending).orderBy("id", .descending).limit(limit).all().map(Product.init(row:))
        }
    }

    // MARK: writes, in the caller's transaction

    static func insert(_ product: Product, on db: any SQLDatabase) async throws {
        try await db.insert(into: "products").columns(Product.columns + ["deleted_at"]).values(
            SQLBind(product.id), SQLBind(product.sku), SQLBind(product.name), SQLBind(product.description), SQLBind(product.price.amount),
            SQLBind(product.price.currency), SQLBind(product.stock), SQLBind(product.createdAt.millisecondsSince1970),
            SQLBind(product.updatedAt.millisecondsSince1970), SQLLiteral.null
        ).run()
    }

    /// Name, description, price and SKU as `product` has them.
    static func updateDetails(_ product: Product, on db: any SQLDatabase) async throws {
        try await db.update("products").set("name", to: product.name).set("description", to: product.description)
            .set("price_amount", to: product.price.amount).set("price_currency", to: product.price.currency).set("sku", to: product.sku)
            .set("updated_at", to: product.updatedAt.millisecondsSince1970).where("id", .equal, product.id).run()
    }

    static func setStock(_ id: String, to stock: Int, at now: Int64, on db: any SQLDatabase) async throws {
        try await db.update("products").set("stock", to: stock).set("updated_at", to: now).where("id", .equal, id).run()
    }

    /// Marks a product deleted; false when there was no such (undeleted) product.
    static func markDeleted(_ id: String, at now: Int64, on db: any SQLDatabase) async throws -> Bool {
        try await db.raw(
            "UPDATE products SET deleted_at = \(bind: now), updated_at = \(bind: now) WHERE id = \(bind: id) AND deleted_at IS NULL RETURNING id"
        ).first() != nil
    }

    /// Whether a product other than `excluding` has this SKU (deleted ones included: SKUs are never reused).
    static func skuTaken(_ sku: String, excluding id: String?, on db: any SQLDatabase) async throws -> Bool {
        try await db.select().column("id").from("products").where("sku", .equal, sku).where("id", .notEqual, id ?? "").first() != nil
    }

    // MARK: images

    /// Replaces the product's image and records its ETag on the product.
    static func setImage(_ image: ProductImage, of id: String, at now: Int64, on db: any SQLDatabase) async throws {
        try await db.delete(from: "product_images").where("product_id", .equal, id).run()
        try await db.insert(into: "product_images").columns("product_id", "content_type", "bytes")
            .values(SQLBind(id), SQLBind(image.contentType), SQLBind(Data(image.bytes))).run()
        try await db.update("products").set("image_etag", to: image.etag).set("updated_at", to: now).where("id", .equal, id).run()
    }

    /// Removes the product's image; false when it had none.
    static func removeImage(of id: String, at now: Int64, on db: any SQLDatabase) async throws -> Bool {
        guard try await db.raw("DELETE FROM product_images WHERE product_id = \(bind: id) RETURNING product_id").first() != nil else {
            return false
        }
        try await db.update("products").set(SQLColumn("image_etag"), to: SQLLiteral.null).set("updated_at", to: now).where("id", .equal, id)
            .run()
        return true
    }

    /// The image of a product that is not deleted.
    func image(of id: String) async throws -> ProductImage? {
        try await database.read { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT i.content_type, i.bytes, p.image_etag FROM product_images i JOIN products p ON p.id = i.product_id
                    WHERE i.product_id = \(bind: id) AND p.deleted_at IS NULL
                    """
                ).first()
            else { return nil }
            return ProductImage(
                contentType: try row.decode(column: "content_type", as: String.self),
                bytes: Array(try row.decode(column: "bytes", as: Data.self)),
                etag: try row.decode(column: "image_etag", as: String.self))
        }
    }

    // MARK: stock reservations, in the consumer's transaction

    struct Stock: Sendable {
        var stock: Int
        let deleted: Bool
    }

    /// Stock of the products, their rows locked (on PostgreSQL) until the transaction ends;
    /// `ids` sorted, so every locker takes the rows in the same order.
    static func lockStock(ids: [String], engine: DatabaseEngine, on db: any SQLDatabase) async throws -> [String: Stock] {
        var stock: [String: Stock] = [:]
        for start in stride(from: 0, to: ids.count, by: 500) {
            var query = SQLQueryString("SELECT id, stock, deleted_at FROM products WHERE id IN ")
            query.appendBindList(Array(ids[start..<min(start + 500, ids.count)]))
            query.appendLiteral(" ORDER BY id")
            query.appendLiteral(engine.forUpdate)
            for row in try await db.raw(query).all() {
                stock[try row.decode(column: "id", as: String.self)] = Stock(
                    stock: try row.decode(column: "stock", as: Int.self),
                    deleted: try row.decode(column: "deleted_at", as: Int64?.self) != nil)
            }
        }
        return stock
    }

    /// Adds each change (negative: taken) to its product's stock: one statement per 400
    /// products, the changes joined in as a table of values (both engines read `UPDATE … FROM`).
    /// The cast types the values column wherever the statement is run from (a replay of the
    /// statement log with literals in place of binds would read it as text).
    static func adjustStock(
        _ changes: [(productID: String, change: Int)], at now: Int64, engine: DatabaseEngine, on db: any SQLDatabase
    ) async throws {
        let changes = changes.filter { $0.change != 0 }
        for run in engine.statementRuns(of: changes.count, atMost: 400) {
            var query = SQLQueryString("WITH changes (id, change) AS (VALUES ")
            for (index, change) in changes[run].enumerated() {
                query.appendLiteral(index == 0 ? "(" : ", (")
                query.appendInterpolation(bind: change.productID)
                query.appendLiteral(", CAST(")
                query.appendInterpolation(bind: change.change)
                query.appendLiteral(" AS INTEGER))")
            }
            query.appendLiteral(") UPDATE products SET stock = products.stock + changes.change, updated_at = ")
            query.appendInterpolation(bind: now)
            query.appendLiteral(" FROM changes WHERE products.id = changes.id")
            try await db.raw(query).run()
        }
    }

    static func insertReservations(
        _ rows: [(orderID: String, productID: String, quantity: Int)], engine: DatabaseEngine, on db: any SQLDatabase
    ) async throws {
        let values = rows.map { row -> [any SQLExpression] in [SQLBind(row.orderID), SQLBind(row.productID), SQLBind(row.quantity)] }
        for insert in engine.inserts(into: "stock_reservations", columns: ["order_id", "product_id", "quantity"], rows: values, atMost: 300) {
            try await db.raw(insert).run()
        }
    }

    /// Marks an order's reservations released; the lines released, by product id.
    static func releaseReservations(orderID: String, at now: Int64, on db: any SQLDatabase) async throws -> [OrderLineQuantity] {
        try await db.raw(
            "UPDATE stock_reservations SET released_at = \(bind: now) WHERE order_id = \(bind: orderID) AND released_at IS NULL RETURNING product_id, quantity"
        ).all().map {
            OrderLineQuantity(
                productID: try $0.decode(column: "product_id", as: String.self), quantity: try $0.decode(column: "quantity", as: Int.self))
        }
        .sorted { $0.productID < $1.productID }
    }

    /// Remembers a pending order cancelled with nothing reserved for it yet.
    static func recordEarlyCancellation(orderID: String, at now: Int64, on db: any SQLDatabase) async throws {
        try await db.raw(
            "INSERT INTO early_cancellations (order_id, cancelled_at) VALUES (\(bind: orderID), \(bind: now)) ON CONFLICT (order_id) DO NOTHING"
        ).run()
    }

    /// Which of `orderIDs` were cancelled before their placement was handled.
    static func earlyCancellations(among orderIDs: [String], on db: any SQLDatabase) async throws -> Set<String> {
        guard !orderIDs.isEmpty else { return [] }
        var query = SQLQueryString("SELECT order_id FROM early_cancellations WHERE order_id IN ")
        query.appendBindList(orderIDs)
        return Set(try await db.raw(query).all().map { try $0.decode(column: "order_id", as: String.self) })
    }

    func skuTaken(_ sku: String) async throws -> Bool {
        try await database.read { db in try await Self.skuTaken(sku, excluding: nil, on: db) }
    }

    func snapshots(ids: [String]) async throws -> [String: ProductSnapshot] {
        guard !ids.isEmpty else { return [:] }
        return try await database.read { db in
            var query = SQLQueryString(
                "SELECT id, name, price_amount, price_currency, stock FROM products WHERE deleted_at IS NULL AND id IN ")
            query.appendBindList(Array(Set(ids)))
            var result: [String: ProductSnapshot] = [:]
            for row in try await db.raw(query).all() {
                let id = try row.decode(column: "id", as: String.self)
                result[id] = ProductSnapshot(
                    id: id, name: try row.decode(column: "name", as: String.self),
                    price: Money(
                        amount: try row.decode(column: "price_amount", as: Int64.self),
                        currency: try row.decode(column: "price_currency", as: String.self)),
                    stock: try row.decode(column: "stock", as: Int.self))
            }
            return result
        }
    }
}

/// Catalog's answer to `CatalogClient` inside one process. Offers come from `offers`, a cache
/// that product changes empty but stock changes do not: under an order load the stock changes
/// with every order, and the products cache with it, while names and prices stay.
struct InProcessCatalogClient: CatalogClient {
    let store: ProductStore
    let offers: InvalidatedCache

    func products(ids: [String]) async throws -> [String: ProductSnapshot] { try await store.snapshots(ids: ids) }

    func offers(ids: [String]) async throws -> [String: ProductOffer] {
        try await offers.values(Array(Set(ids))) { missing in try await store.snapshots(ids: missing).mapValues(ProductOffer.init) }
    }
}
