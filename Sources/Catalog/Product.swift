import Foundation
import PlatformCore
import SQLKit

struct Product: Codable, Sendable, Equatable {
    let id: String
    var sku: String
    var name: String
    var description: String
    var price: Money
    var stock: Int
    let createdAt: Date
    var updatedAt: Date
    /// The uploaded image's ETag; nil without an image.
    var imageETag: String? = nil
}

extension Product {
    static let columns = ["id", "sku", "name", "description", "price_amount", "price_currency", "stock", "created_at", "updated_at"]
    /// What reads select: the columns plus the image's ETag.
    static let readColumns = columns + ["image_etag"]

    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: String.self)
        sku = try row.decode(column: "sku", as: String.self)
        name = try row.decode(column: "name", as: String.self)
        description = try row.decode(column: "description", as: String.self)
        price = Money(
            amount: try row.decode(column: "price_amount", as: Int64.self),
            currency: try row.decode(column: "price_currency", as: String.self))
        stock = try row.decode(column: "stock", as: Int.self)
        createdAt = Date(millisecondsSince1970: try row.decode(column: "created_at", as: Int64.self))
        updatedAt = Date(millisecondsSince1970: try row.decode(column: "updated_at", as: Int64.self))
        imageETag = try row.decode(column: "image_etag", as: String?.self)
    }

    var changed: ProductChanged { ProductChanged(productID: id, sku: sku, name: name, price: price, stock: stock) }
}

import Contracts
