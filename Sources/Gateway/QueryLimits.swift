import GraphQL

/// Bounds on what one operation may ask, checked on the parsed document before anything runs.
/// Cost counts every field once per item it may be resolved for: a field with `first: n` makes
/// its selection count n times, any other list `listEstimate` times (a connection's `nodes` are
/// already counted by its `first`). Introspection fields are left out (they are gated apart).
public struct QueryLimits: Sendable {
    public var maxDepth = 10
    public var maxCost = 5_000
    public var maxAliases = 20
    /// Brackets (`{`, `[`, `(`) nested in the query text, checked before parsing: the parser,
    /// validator and executor recurse once per level. Room for `maxDepth` selections plus
    /// arguments holding input objects and lists.
    public var maxNesting = 64
    /// Operations in one batched POST (a JSON array).
    public var maxBatch = 5
    var listEstimate = 10

    public init() {}

    struct Exceeded: Error {
        let code: String
        let message: String
    }

    /// Throws `Exceeded` naming the first bound the operation goes past.
    func check(_ document: Document, operationName: String?, variables: [String: Map], schema: GraphQLSchema) throws {
        guard let operation = document.operation(named: operationName) else { return }
        let root: GraphQLObjectType? =
            switch operation.operation {
            case .query: schema.queryType
            case .mutation: schema.mutationType
            case .subscription: schema.subscriptionType
            }
        var walk = Walk(
            schema: schema, variables: variables, listEstimate: listEstimate,
            fragments: Dictionary(
                document.definitions.compactMap { $0 as? FragmentDefinition }.map { ($0.name.value, $0) },
                uniquingKeysWith: { first, _ in first }))
        walk.visit(operation.selectionSet, type: root, depth: 1, multiplier: 1, spreading: [])
        if walk.depth > maxDepth {
            throw Exceeded(code: "QUERY_TOO_DEEP", message: "The query nests \(walk.depth) levels deep; at most \(maxDepth) are allowed.")
        }
        if walk.aliases > maxAliases {
            throw Exceeded(code: "TOO_MANY_ALIASES", message: "The query uses \(walk.aliases) aliases; at most \(maxAliases) are allowed.")
        }
        if walk.cost > maxCost {
            throw Exceeded(
                code: "QUERY_TOO_COSTLY",
                message: "The query may resolve \(walk.cost) fields; at most \(maxCost) are allowed. Ask for smaller pages.")
        }
    }

    /// One pass over an operation's selections, fragments expanded where they are spread.
    private struct Walk {
        let schema: GraphQLSchema
        let variables: [String: Map]
        let listEstimate: Int
        let fragments: [String: FragmentDefinition]
        var depth = 0
        var cost = 0
        var aliases = 0

        mutating func visit(
            _ selectionSet: SelectionSet, type: GraphQLObjectType?, depth level: Int, multiplier: Int, spreading: Set<String>
        ) {
            for selection in selectionSet.selections {
                if let field = selection as? Field {
                    guard !field.name.value.hasPrefix("__") else { continue }
                    if field.alias != nil { aliases += 1 }
                    depth = max(depth, level)
                    cost = cost.addingReportingOverflow(multiplier).partialValue
                    guard let children = field.selectionSet else { continue }
                    let definition = (try? type?.fields())?[field.name.value]
                    let next = multiplier.multipliedReportingOverflow(by: factor(field, definition: definition))
                    visit(
                        children, type: getNamedType(type: definition?.type) as? GraphQLObjectType, depth: level + 1,
                        multiplier: next.overflow ? Int.max / 2 : next.partialValue, spreading: spreading)
                } else if let spread = selection as? FragmentSpread {
                    // Validation refuses cycles already; `spreading` keeps this walk finite regardless.
                    guard let fragment = fragments[spread.name.value], !spreading.contains(spread.name.value) else { continue }
                    visit(
                        fragment.selectionSet, type: schema.getType(name: fragment.typeCondition.name.value) as? GraphQLObjectType,
                        depth: level,
                        multiplier: multiplier, spreading: spreading.union([spread.name.value]))
                } else if let inline = selection as? InlineFragment {
                    let conditioned = inline.typeCondition.flatMap { schema.getType(name: $0.name.value) as? GraphQLObjectType } ?? type
                    visit(inline.selectionSet, type: conditioned, depth: level, multiplier: multiplier, spreading: spreading)
                }
            }
        }

        private func factor(_ field: Field, definition: GraphQLField?) -> Int {
            if definition?.args["first"] != nil {
                let given = field.arguments.first { $0.name.value == "first" }?.value
                if let literal = given as? IntValue, let value = Int(literal.value) { return max(value, 1) }
                if let variable = given as? Variable, let value = variables[variable.name.value]?.int { return max(value, 1) }
                return 20
            }
            if field.name.value == "nodes" { return 1 }
            var type: (any GraphQLType)? = definition?.type
            if let nonNull = type as? GraphQLNonNull { type = nonNull.ofType }
            return type is GraphQLList ? listEstimate : 1
        }
    }
}
