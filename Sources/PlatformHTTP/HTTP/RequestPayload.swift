import Foundation
public import Hummingbird
import PlatformCore

/// A JSON request body. Decoding is strict: the body must be a JSON object, keys outside
/// `allowedFields` are refused (so `role` in a register body or `balance` in a profile update can
/// never slip through), and `validate()` checks ranges and formats. Every failure is a problem
/// naming the fields, raised before the handler writes anything.
public protocol RequestPayload: Decodable, Sendable {
    static var allowedFields: Set<String> { get }
    /// The keys accepted inside fields that hold an object (or a list of objects), by field
    /// name: `["price": ["amount", "currency"]]`. Unknown keys there are refused like top-level ones.
    static var nestedFields: [String: Set<String>] { get }
    /// Fields that may be sent as `null` (it clears them). Any other field given as `null` is
    /// refused: an optional field may be left out, not nulled.
    static var nullableFields: Set<String> { get }
    func validate() -> [FieldError]
}

extension RequestPayload {
    public static var nestedFields: [String: Set<String>] { [:] }
    public static var nullableFields: Set<String> { [] }
    public func validate() -> [FieldError] { [] }
}

/// The keys of Bazaar's shared nested objects, for `nestedFields`.
public enum NestedFields {
    public static let money: Set<String> = ["amount", "currency"]
    public static let address: Set<String> = ["line1", "line2", "city", "postalCode", "country"]
}

extension Request {
    public func decodeBody<Body: RequestPayload>(_ type: Body.Type, context: some RequestContext) async throws -> Body {
        var request = self
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        return try BodyDecoder.decode(Body.self, from: Data(buffer: buffer))
    }
}

enum BodyDecoder {
    /// One decoder for every body (it is thread-safe).
    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom(decodeRFC3339)
        return decoder
    }()

    static func decode<Body: RequestPayload>(_ type: Body.Type, from data: Data) throws -> Body {
        guard NestingLimit.allowsJSON(data) else {
            throw Problem.badRequest("The request body nests deeper than \(NestingLimit.json) levels.")
        }
        let body: Body
        do {
            body = try decoder.decode(CheckedBody<Body>.self, from: data).body
        } catch let failure as CheckedBody<Body>.FieldsFailed {
            var fieldError = fieldError(for: failure.error)
            if fieldError.field.isEmpty, let fields = try? JSONSerialization.jsonObject(with: data), let path = locateNonInteger(in: fields) {
                // Foundation on Linux reports no coding path for "1.5 does not fit in Int";
                // name the field holding the fractional number instead.
                fieldError = FieldError(field: path, message: "must be an integer")
            }
            throw Problem.validation([fieldError])
        } catch is DecodingError {
            // Thrown before the body's own decoding began: the text did not parse.
            throw Problem.badRequest("The request body is not valid JSON.")
        }
        let errors = body.validate()
        if !errors.isEmpty { throw Problem.validation(errors) }
        return body
    }

    /// RFC 3339 times, with or without fractional seconds. Errors are raised from the value's own
    /// container so that they carry the field's path (Foundation's `.iso8601` strategy on Linux
    /// reports none).
    @Sendable static func decodeRFC3339(_ decoder: any Decoder) throws -> Date {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an RFC 3339 time such as 2030-01-31T12:00:00Z")
    }

    /// The dotted path of the first fractional or out-of-range number in a parsed body.
    static func locateNonInteger(in value: Any, path: String = "") -> String? {
        switch value {
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                if let found = locateNonInteger(in: object[key]!, path: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
        case let array as [Any]:
            for (index, element) in array.enumerated() {
                if let found = locateNonInteger(in: element, path: "\(path)[\(index)]") { return found }
            }
        case let number as NSNumber:  // booleans arrive as 0 or 1 and are never flagged
            let double = number.doubleValue
            if double.rounded() != double || abs(double) > 9.2e18 { return path }
        default:
            break
        }
        return nil
    }

    static func fieldError(for error: DecodingError) -> FieldError {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            // items[0].quantity, as `locateNonInteger` and the unknown-field check name it.
            let keys = codingPath + (last.map { [$0] } ?? [])
            return keys.reduce(into: "") { path, key in
                if let index = key.intValue {
                    path += "[\(index)]"
                } else {
                    path += path.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            return FieldError(field: path(context.codingPath, key), message: "is required")
        case .typeMismatch(let type, let context):
            return FieldError(field: path(context.codingPath), message: "must be \(describe(type))")
        case .valueNotFound(let type, let context):
            return FieldError(field: path(context.codingPath), message: "must be \(describe(type)), not null")
        case .dataCorrupted(let context):
            let isTime = context.debugDescription.contains("RFC 3339")
            return FieldError(
                field: path(context.codingPath),
                message: isTime ? "must be an RFC 3339 time such as 2030-01-31T12:00:00Z" : "is not a valid value")
        @unknown default:
            return FieldError(field: "", message: "is invalid")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type: "a number"
        default: "a \(String(describing: type).lowercased())"
        }
    }
}

/// Small validators shared by request bodies.
public enum Validate {
    /// Lengths count Unicode scalars, as the OpenAPI document's minLength/maxLength do, and a
    /// value of blanks only is empty (the document says so with the pattern `\S`).
    public static func length(_ value: String, field: String, min: Int = 1, max: Int) -> FieldError? {
        let count = value.trimmingCharacters(in: blanks).unicodeScalars.count
        if count < min { return FieldError(field: field, message: min == 1 ? "must not be empty" : "must be at least \(min) characters") }
        if value.unicodeScalars.count > max { return FieldError(field: field, message: "must be at most \(max) characters") }
        return nil
    }

    /// What `\s` matches in the document's patterns as schemathesis evaluates them (Python's
    /// Unicode whitespace, `str.isspace`), listed because Foundation's whitespace set differs
    /// (it counts U+200B, and not U+001C–U+001F).
    static let blanks = CharacterSet(
        charactersIn: "\t\n\u{0B}\u{0C}\r\u{1C}\u{1D}\u{1E}\u{1F} \u{85}\u{A0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}"
            + "\u{2005}\u{2006}\u{2007}\u{2008}\u{2009}\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}")

    /// A pragmatic address check: one `@`, a non-empty local part, a dotted domain, no spaces.
    public static func email(_ value: String, field: String = "email") -> FieldError? {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        let valid =
            value.count <= 254 && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".") && !value.contains(where: \.isWhitespace)
        return valid ? nil : FieldError(field: field, message: "must be a valid email address")
    }
}
