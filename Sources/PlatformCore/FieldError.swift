/// One invalid field of a request, as listed in a problem's `errors`.
public struct FieldError: Codable, Sendable, Equatable {
    public let field: String
    public let message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}
