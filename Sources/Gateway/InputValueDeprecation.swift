import GraphQL
import OrderedCollections

/// GraphQL 4.3 declares `__InputValue.isDeprecated: Boolean!` but resolves it from a property
/// its argument and input-field definitions do not have, so every introspection that asks for
/// it — what `gql` and current GraphiQL send (`inputValueDeprecation`) — fails as a whole with
/// "Cannot return null for non-nullable field". No argument or input field of Bazaar's schema is
/// deprecated, so the answer is always false: the field is asked as `__typename` under the same
/// response key, and that key's value is set back to `false` in the result.
struct InputValueDeprecation {
    let schema: GraphQLSchema
    /// Response keys that now carry `"__InputValue"` and must read `false`.
    private(set) var keys: Set<String> = []
    private let typename: Name

    init?(schema: GraphQLSchema) {
        guard let probe = try? parse(source: "{ __typename }"), let operation = probe.definitions.first as? OperationDefinition,
            let field = operation.selectionSet.selections.first as? Field
        else { return nil }
        self.schema = schema
        typename = field.name
    }

    /// Cheap test before any rewriting: only documents that name the field are touched.
    static func applies(to query: String) -> Bool { query.contains("isDeprecated") }

    mutating func rewrite(_ document: Document) -> Document {
        let definitions: [any Node] = document.definitions.map { definition -> any Node in
            if let operation = definition as? OperationDefinition {
                let root: GraphQLObjectType? =
                    switch operation.operation {
                    case .query: schema.queryType
                    case .mutation: schema.mutationType
                    case .subscription: schema.subscriptionType
                    }
                return operation.set(value: .node(rewrite(operation.selectionSet, in: root)), key: "selectionSet")
            }
            if let fragment = definition as? FragmentDefinition {
                let type = schema.getType(name: fragment.typeCondition.name.value)
                return fragment.set(value: .node(rewrite(fragment.selectionSet, in: type)), key: "selectionSet")
            }
            return definition
        }
        return document.set(value: .array(definitions), key: "definitions")
    }

    private mutating func rewrite(_ selectionSet: SelectionSet, in type: (any GraphQLNamedType)?) -> SelectionSet {
        let selections: [any Node] = selectionSet.selections.map { selection -> any Node in
            if var field = selection as? Field {
                if type?.name == "__InputValue", field.name.value == "isDeprecated" {
                    keys.insert(field.alias?.value ?? field.name.value)
                    if field.alias == nil { field = field.set(value: .node(field.name), key: "alias") }
                    return field.set(value: .node(typename), key: "name")
                }
                guard let children = field.selectionSet else { return field }
                return field.set(value: .node(rewrite(children, in: childType(field.name.value, of: type))), key: "selectionSet")
            }
            if let inline = selection as? InlineFragment {
                let conditioned = inline.typeCondition.flatMap { schema.getType(name: $0.name.value) } ?? type
                return inline.set(value: .node(rewrite(inline.selectionSet, in: conditioned)), key: "selectionSet")
            }
            return selection
        }
        return selectionSet.set(value: .array(selections), key: "selections")
    }

    private func childType(_ name: String, of type: (any GraphQLNamedType)?) -> (any GraphQLNamedType)? {
        if name == "__schema" { return schema.getType(name: "__Schema") }
        if name == "__type" { return schema.getType(name: "__Type") }
        guard let object = type as? GraphQLObjectType, let field = (try? object.fields())?[name] else { return nil }
        return getNamedType(type: field.type)
    }

    /// The result with every rewritten key's `"__InputValue"` turned back into `false`.
    func patch(_ value: Map) -> Map {
        switch value {
        case .dictionary(let entries):
            var patched = OrderedDictionary<String, Map>()
            for (key, entry) in entries {
                patched[key] = keys.contains(key) && entry == .string("__InputValue") ? .bool(false) : patch(entry)
            }
            return .dictionary(patched)
        case .array(let items):
            return .array(items.map(patch))
        default:
            return value
        }
    }
}
