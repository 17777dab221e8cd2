import Foundation
import PlatformCore

/// A request body checked for fields it does not accept (unknown keys, at the top and inside
/// `nestedFields`; `null` where it is not allowed), then decoded: all in the one parse
/// `JSONDecoder` makes of it. Parsing it a second time, into Foundation's `Any` tree, and
/// casting each value to look for `NSNull`, had cost more than the decoding itself.
struct CheckedBody<Body: RequestPayload>: Decodable {
    /// The body's own decoding failed (a missing, mistyped or invalid field), as opposed to the
    /// text not parsing.
    struct FieldsFailed: Error {
        let error: DecodingError
    }

    let body: Body

    init(from decoder: any Decoder) throws {
        let fields: KeyedDecodingContainer<FieldKey>
        do {
            fields = try decoder.container(keyedBy: FieldKey.self)
        } catch {
            throw Problem.badRequest("The request body must be a JSON object.")
        }
        let unknown = Self.unknownFields(in: fields)
        if !unknown.isEmpty {
            throw Problem.validation(unknown.map { FieldError(field: $0, message: "is not an accepted field") })
        }
        let nulled = fields.allKeys.filter { key in
            !Body.nullableFields.contains(key.stringValue) && (try? fields.decodeNil(forKey: key)) == true
        }.map { $0.stringValue }.sorted()
        if !nulled.isEmpty {
            throw Problem.validation(nulled.map { FieldError(field: $0, message: "must not be null (leave it out instead)") })
        }
        do {
            body = try Body(from: decoder)
        } catch let error as DecodingError {
            throw FieldsFailed(error: error)
        } catch let problem as Problem {
            throw problem
        } catch {
            // Foundation's own parse errors met while decoding a value (1.5 for an Int): a
            // field's value, not the text, is at fault.
            throw FieldsFailed(error: .dataCorrupted(.init(codingPath: [], debugDescription: "\(error)", underlyingError: error)))
        }
    }

    /// Keys outside `allowedFields`, then keys outside each nested field's set (in an object,
    /// or in each object of a list), sorted within each.
    private static func unknownFields(in fields: KeyedDecodingContainer<FieldKey>) -> [String] {
        var unknown = fields.allKeys.map { $0.stringValue }.filter { !Body.allowedFields.contains($0) }.sorted()
        for (field, allowed) in Body.nestedFields.sorted(by: { $0.key < $1.key }) {
            let key = FieldKey(field)
            func outside(_ object: KeyedDecodingContainer<FieldKey>) -> [String] {
                object.allKeys.map { $0.stringValue }.filter { !allowed.contains($0) }.sorted()
            }
            if let object = try? fields.nestedContainer(keyedBy: FieldKey.self, forKey: key) {
                unknown += outside(object).map { "\(field).\($0)" }
            } else if var list = try? fields.nestedUnkeyedContainer(forKey: key) {
                var index = 0
                while !list.isAtEnd {
                    defer { index += 1 }
                    if (try? list.decodeNil()) == true { continue }
                    if let object = try? list.nestedContainer(keyedBy: FieldKey.self) {
                        unknown += outside(object).map { "\(field)[\(index)].\($0)" }
                    } else if (try? list.decode(Skipped.self)) == nil {
                        break
                    }
                }
            }
        }
        return unknown
    }

    /// Any key of a JSON object.
    struct FieldKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// A list element that is not an object, stepped over.
    private struct Skipped: Decodable {
        init(from decoder: any Decoder) throws {}
    }
}
