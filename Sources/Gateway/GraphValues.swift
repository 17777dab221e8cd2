import Foundation
import GraphQL
import OrderedCollections

/// A JSON object from a module's answer, as GraphQL's default resolver reads it: fields whose
/// names match the JSON keys need no resolver of their own.
struct GraphObject: KeySubscriptable, Sendable {
    var fields: [String: any Sendable]

    subscript(key: String) -> (any Sendable)? { fields[key] }

    func string(_ key: String) -> String? { fields[key] as? String }
}

enum GraphValues {
    /// Module JSON → values GraphQL can complete: objects, lists, strings, numbers, booleans;
    /// `nil` for null.
    static func from(json data: some Collection<UInt8>) throws -> (any Sendable)? {
        let map = try JSONDecoder().decode(Map.self, from: Data(data))
        return from(map)
    }

    static func from(_ map: Map) -> (any Sendable)? {
        switch map {
        case .undefined, .null: return nil
        case .bool(let value): return value
        case .string(let value): return value
        case .number(let number):
            let double = number.doubleValue
            if double.rounded() == double, abs(double) < 9_007_199_254_740_992 { return Int(double) }
            return double
        case .array(let items): return items.map { from($0) } as [(any Sendable)?]
        case .dictionary(let entries):
            var fields: [String: any Sendable] = [:]
            for (key, value) in entries { if let value = from(value) { fields[key] = value } }
            return GraphObject(fields: fields)
        }
    }

    /// Arguments → a JSON request body. Arguments the query left out stay out (so `PATCH`
    /// changes only what was given); an explicit null is sent as null (it clears a field).
    static func body(_ args: Map, only keys: [String]? = nil) throws -> Data {
        var object: OrderedDictionary<String, Map> = [:]
        for (key, value) in args.dictionary ?? [:] where value != .undefined && (keys?.contains(key) ?? true) {
            object[key] = value
        }
        return try JSONEncoder().encode(Map.dictionary(object))
    }
}
