import Foundation
import GraphQL

/// Small conveniences that keep the schema files readable.
func required(_ type: any GraphQLNullableType) -> GraphQLNonNull { GraphQLNonNull(type) }
func list(of type: any GraphQLNullableType) -> GraphQLNonNull { GraphQLNonNull(GraphQLList(GraphQLNonNull(type))) }

/// A field resolved by `resolve` with the request's `GraphRequest`.
func field(
    _ type: any GraphQLOutputType, _ description: String? = nil, args: GraphQLArgumentConfigMap = [:],
    resolve: @escaping @Sendable (_ source: any Sendable, _ args: Map, _ request: GraphRequest) async throws -> (any Sendable)?
) -> GraphQLField {
    GraphQLField(type: type, description: description, args: args) { source, args, context, _ in
        guard let request = context as? GraphRequest else { throw GraphFieldError(status: 500, message: "Internal server error.") }
        return try await resolve(source, args, request)
    }
}

/// A field read from the source object's key of the same name (GraphQL's default resolver).
func plain(_ type: any GraphQLOutputType, _ description: String? = nil) -> GraphQLField {
    GraphQLField(type: type, description: description)
}

func argument(_ type: any GraphQLInputType, _ description: String? = nil, default value: Map? = nil) -> GraphQLArgument {
    GraphQLArgument(type: type, description: description, defaultValue: value)
}

enum Path {
    /// One path segment from an argument, percent-encoded. An empty id names nothing (404):
    /// sent on, it would address the collection, or another route with another method.
    static func segment(_ value: Map) throws -> String {
        let text = value.string ?? ""
        guard
            let encoded = text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/;"))),
            !encoded.isEmpty
        else { throw GraphFieldError(status: 404, message: "No such object.") }
        return encoded
    }

    /// `path?name=value&…` for the arguments that were given.
    static func query(_ path: String, _ items: [(String, Map)]) -> String {
        let parts = items.compactMap { name, value -> String? in
            let text: String? =
                switch value {
                case .string(let string): string
                case .number(let number): String(number.intValue)
                case .bool(let flag): flag ? "true" : "false"
                default: nil
                }
            guard let text, let escaped = text.addingPercentEncoding(withAllowedCharacters: queryValue) else { return nil }
            return "\(name)=\(escaped)"
        }
        return parts.isEmpty ? path : path + "?" + parts.joined(separator: "&")
    }

    static func ids(_ ids: [String]) -> String {
        ids.compactMap { $0.addingPercentEncoding(withAllowedCharacters: queryValue) }.joined(separator: ",")
    }

    /// What may stand unescaped in one query value (`,` separates `ids`).
    private static let queryValue = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+?#,"))
}

/// The paging arguments of every connection, passed to the module as `limit` and `cursor`.
let pagingArguments: GraphQLArgumentConfigMap = [
    "first": argument(GraphQLInt, "How many items (1 to 100).", default: .int(20)),
    "after": argument(GraphQLString, "The `pageInfo.endCursor` of the previous page."),
]

func paging(_ args: Map) -> [(String, Map)] {
    [("limit", args["first"]), ("cursor", args["after"])]
}

/// A module's list answer `{items, nextCursor, …}` as a connection `{nodes, pageInfo, …}`.
func connection(_ value: (any Sendable)?) -> GraphObject {
    var fields = withPageInfo(value).fields
    fields["nodes"] = fields.removeValue(forKey: "items") ?? ([] as [(any Sendable)?])
    return GraphObject(fields: fields)
}

/// Replaces a module answer's `nextCursor` with `pageInfo {hasNextPage, endCursor}`.
func withPageInfo(_ value: (any Sendable)?) -> GraphObject {
    var fields = (value as? GraphObject)?.fields ?? [:]
    let next = fields.removeValue(forKey: "nextCursor") as? String
    var pageInfo: [String: any Sendable] = ["hasNextPage": next != nil]
    if let next { pageInfo["endCursor"] = next }
    fields["pageInfo"] = GraphObject(fields: pageInfo)
    return GraphObject(fields: fields)
}

func items(of value: (any Sendable)?) -> [(any Sendable)?] {
    ((value as? GraphObject)?["items"] as? [(any Sendable)?]) ?? []
}
