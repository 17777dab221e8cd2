import Foundation
import PlatformCore
import PlatformHTTP

/// `POST /orders`.
struct PlaceOrderPayload: RequestPayload {
    struct Item: Codable, Sendable {
        let productId: String
        let quantity: Int
    }

    static let allowedFields: Set<String> = ["items", "fromCart", "paymentMethod"]
    static let nestedFields: [String: Set<String>] = ["items": ["productId", "quantity"]]
    static let maximumLines = 50
    let items: [Item]?
    let fromCart: Bool?
    let paymentMethod: PaymentMethod

    func validate() -> [FieldError] {
        var errors: [FieldError] = []
        switch (items, fromCart ?? false) {
        case (nil, false):
            errors.append(FieldError(field: "items", message: "give items, or fromCart: true"))
        case (.some, true):
            errors.append(FieldError(field: "fromCart", message: "cannot be combined with items"))
        case (.some(let items), false):
            if items.isEmpty || items.count > Self.maximumLines {
                errors.append(FieldError(field: "items", message: "must have 1 to \(Self.maximumLines) lines"))
            }
            for (index, item) in items.enumerated() {
                if item.productId.isEmpty || item.productId.count > 64 {
                    errors.append(FieldError(field: "items[\(index)].productId", message: "must be a product id"))
                }
                if !(1...1000).contains(item.quantity) {
                    errors.append(FieldError(field: "items[\(index)].quantity", message: "must be an integer from 1 to 1000"))
                }
            }
        case (nil, true):
            break
        }
        return errors
    }
}

/// `PUT /admin/orders/{id}/status`.
struct StatusPayload: RequestPayload {
    static let allowedFields: Set<String> = ["status"]
    let status: OrderStatus
}

enum IdempotencyKey {
    /// Printable ASCII, 1 to 255 characters (the IETF draft's recommendation is a UUID).
    static func parse(_ value: String?) throws -> String {
        guard let value, (1...255).contains(value.count), value.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
            throw Problem.badRequest(
                "An Idempotency-Key header is required.",
                errors: [FieldError(field: "Idempotency-Key", message: "must be 1 to 255 printable ASCII characters, e.g. a UUID")])
        }
        return value
    }
}
