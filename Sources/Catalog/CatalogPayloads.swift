import Foundation
import PlatformCore
import PlatformHTTP

enum ProductRules {
    static func sku(_ value: String) -> FieldError? {
        let valid = (1...64).contains(value.count) && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        return valid ? nil : FieldError(field: "sku", message: "must be 1 to 64 letters, digits, '-', '_' or '.'")
    }
    static func stock(_ value: Int, field: String = "stock") -> FieldError? {
        (0...1_000_000_000).contains(value) ? nil : FieldError(field: field, message: "must be an integer from 0 to 1000000000")
    }
    static func description(_ value: String) -> FieldError? {
        value.unicodeScalars.count <= 5000 ? nil : FieldError(field: "description", message: "must be at most 5000 characters")
    }
}

struct CreateProductPayload: RequestPayload {
    static let allowedFields: Set<String> = ["name", "description", "price", "stock", "sku"]
    static let nestedFields: [String: Set<String>] = ["price": NestedFields.money]
    let name: String
    let description: String
    let price: Money
    let stock: Int
    let sku: String

    func validate() -> [FieldError] {
        [
            Validate.length(name, field: "name", max: 200), ProductRules.description(description), ProductRules.stock(stock),
            ProductRules.sku(sku),
        ]
        .compactMap { $0 } + price.validate(field: "price")
    }
}

struct UpdateProductPayload: RequestPayload {
    static let allowedFields: Set<String> = ["name", "description", "price", "sku"]
    static let nestedFields: [String: Set<String>] = ["price": NestedFields.money]
    let name: String?
    let description: String?
    let price: Money?
    let sku: String?

    func validate() -> [FieldError] {
        var errors: [FieldError] = []
        if let name, let error = Validate.length(name, field: "name", max: 200) { errors.append(error) }
        if let description, let error = ProductRules.description(description) { errors.append(error) }
        if let sku, let error = ProductRules.sku(sku) { errors.append(error) }
        if let price { errors += price.validate(field: "price") }
        return errors
    }
}

struct StockPayload: RequestPayload {
    static let allowedFields: Set<String> = ["stock"]
    let stock: Int
    func validate() -> [FieldError] { [ProductRules.stock(stock)].compactMap { $0 } }
}
