public import Foundation

/// JSON with sorted keys and ISO 8601 dates: the format of events, stored answers and realtime
/// frames. `encode` makes exactly the bytes Foundation's `JSONEncoder` makes with those settings
/// (`foundation`), about three times faster: Foundation builds a tree of dictionaries for every
/// value and sorts their keys as strings, which made JSON encoding 8% of the CPU an order costs.
///
/// Values are written straight into one buffer; an object's members are put in key order when
/// it ends, and only when they were not already in it. What this encoder does not write the way
/// Foundation does (floating point numbers, `Data`, `URL`, `Decimal`, nested or super
/// encoders, keys that need escaping, a key written twice, values that ask for no container,
/// dates outside 1970–9999) is encoded by `foundation` instead, whole, so the result is the
/// same for every value. `SortedJSONTests` holds it to that.
public enum SortedJSON {
    /// Foundation's encoder with the same settings: what `encode` falls back to, and must equal.
    public static let foundation: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    public static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        // Not written here, or the value threw: Foundation writes it, or throws its error with
        // the coding path filled in.
        try writtenHere(value) ?? Array(foundation.encode(value))
    }

    /// The value as written by this encoder, or nil when it is left to Foundation.
    static func writtenHere<Value: Encodable>(_ value: Value) -> [UInt8]? {
        let writer = SortedJSONWriter()
        do {
            try writer.encodeValue(value)
            return writer.bytes
        } catch {
            return nil
        }
    }

    public static func string<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }
}
