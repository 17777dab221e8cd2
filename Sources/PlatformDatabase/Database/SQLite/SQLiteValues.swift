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

    static func value<Value: Decodable>(_ data: SQLiteData, as type: Value.Type) throws -> Value {
        if let value = direct(data, as: Value.self) { return value }
        return try decoder.decode(Value.self, from: data)
    }

    /// The value when `Value` is one of the common types (or an optional of one) and `data`
    /// holds it as SQLite stores it; nil to let SQLiteKit decide.
    private static func direct<Value>(_ data: SQLiteData, as type: Value.Type) -> Value? {
        switch data {
        case .text(let text) where Value.self == String.self || Value.self == String?.self:
            text as? Value
        case .integer(let integer) where Value.self == Int.self || Value.self == Int?.self:
            integer as? Value
        case .integer(let integer) where Value.self == Int64.self || Value.self == Int64?.self:
            Int64(integer) as? Value
        case .integer(let integer) where (Value.self == Bool.self || Value.self == Bool?.self) && (integer == 0 || integer == 1):
            (integer == 1) as? Value
        case .float(let real) where Value.self == Double.self || Value.self == Double?.self:
            real as? Value
        default:
            nil
        }
    }
}
