import SQLiteKit

/// Converts binds to `SQLiteData` and columns back, with the types nearly every statement uses
/// taken first. SQLiteKit's encoder and decoder look up a protocol conformance for every value
/// and send optionals through a general `Encoder` or `Decoder` (an object per value); that was
/// 0.6 µs a bind, and as much again a column, most of it spent inside SQLite's one write
/// transaction at a time. Anything else, and any conversion these do not make exactly as
/// SQLiteKit would, goes to SQLiteKit.
enum SQLiteValues {
    private static let encoder = SQLiteDataEncoder()
    private static let decoder = SQLiteDataDecoder()

    static func data(_ value: any Encodable) throws -> SQLiteData {
        switch value {
        case let text as String: .text(text)
        case let integer as Int: .integer(integer)
        case let integer as Int64: .integer(Int(integer))
        case let flag as Bool: .integer(flag ? 1 : 0)
        case let real as Double: .float(real)
        default: try encoder.encode(value)
        }
    }

    /// The common types (and their optionals) are taken when `data` holds them as SQLite stores
    /// them; anything else goes to SQLiteKit. The casts cannot fail: `kinds` names only these
    /// types. (`as?` here made an `Optional<Value>`, whose metadata was looked up per call.)
    static func value<Value: Decodable>(_ data: SQLiteData, as type: Value.Type) throws -> Value {
        switch (kinds[ObjectIdentifier(Value.self)], data) {
        case (.text, .text(let text)): text as! Value
        case (.integer, .integer(let integer)): integer as! Value
        case (.integer64, .integer(let integer)): Int64(integer) as! Value
        case (.flag, .integer(let integer)) where integer == 0 || integer == 1: (integer == 1) as! Value
        case (.real, .float(let real)): real as! Value
        default: try decoder.decode(Value.self, from: data)
        }
    }

    private enum Kind { case text, integer, integer64, flag, real }

    /// By type, looked up once: naming `String?.self` in the comparison looked up the metadata
    /// of `Optional<String>` at every call.
    private static let kinds: [ObjectIdentifier: Kind] = [
        ObjectIdentifier(String.self): .text, ObjectIdentifier(String?.self): .text,
        ObjectIdentifier(Int.self): .integer, ObjectIdentifier(Int?.self): .integer,
        ObjectIdentifier(Int64.self): .integer64, ObjectIdentifier(Int64?.self): .integer64,
        ObjectIdentifier(Bool.self): .flag, ObjectIdentifier(Bool?.self): .flag,
        ObjectIdentifier(Double.self): .real, ObjectIdentifier(Double?.self): .real,
    ]
}
