/// Money as integer minor units and an ISO 4217 currency code; never floating point.
public struct Money: Codable, Sendable, Hashable {
    public let amount: Int64
    public let currency: String

    public init(amount: Int64, currency: String) {
        self.amount = amount
        self.currency = currency
    }

    /// Upper bound for a single price or total, far above any real basket and far below overflow.
    public static let maximumAmount: Int64 = 1_000_000_000_000

    public func validate(field: String) -> [FieldError] {
        var errors: [FieldError] = []
        if amount < 0 || amount > Self.maximumAmount {
            errors.append(FieldError(field: "\(field).amount", message: "must be an integer from 0 to \(Self.maximumAmount) (minor units)"))
        }
        if currency.count != 3 || !currency.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            errors.append(FieldError(field: "\(field).currency", message: "must be an ISO 4217 code such as \"USD\""))
        }
        return errors
    }
}

extension Money {
    /// For people (mail and notification text), e.g. "12.50 EUR". Assumes two minor-unit
    /// digits, which holds for the wallet currencies Bazaar is set up with; APIs carry `amount`.
    public var displayText: String {
        let sign = amount < 0 ? "-" : ""
        let units = amount.magnitude
        let cents = units % 100
        return "\(sign)\(units / 100).\(cents < 10 ? "0" : "")\(cents) \(currency)"
    }
}
