import Hummingbird
import PlatformCore
import PlatformHTTP

/// A cart as the API answers it.
struct CartView: ResponseEncodable, Sendable {
    struct Line: Encodable, Sendable {
        let productId: String
        let name: String
        let unitPrice: Money
        let quantity: Int
        let lineTotal: Money
        let available: Int
    }
    let items: [Line]
    /// The sum of all lines; null only if the lines are priced in different currencies.
    @NullWhenAbsent var total: Money?
    let itemCount: Int
}

/// `PUT /cart/items/{productId}`.
struct QuantityPayload: RequestPayload {
    static let allowedFields: Set<String> = ["quantity"]
    let quantity: Int
    func validate() -> [FieldError] {
        (0...1000).contains(quantity) ? [] : [FieldError(field: "quantity", message: "must be an integer from 0 to 1000")]
    }
}
