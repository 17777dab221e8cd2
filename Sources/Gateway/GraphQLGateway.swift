import Foundation
import GraphQL
import HTTPTypes
import Logging
import PlatformHTTP

/// One GraphQL schema over every module's REST API. Resolvers call the modules with the
/// client's own credentials, so each module authorizes the call exactly as it would over REST.
public final class GraphQLGateway: Sendable {
    public struct Settings: Sendable {
        /// Introspection queries and the GraphiQL page (on in `bazaar run`, off by default in `serve`).
        public var introspection: Bool
        public var limits: QueryLimits

        public init(introspection: Bool, limits: QueryLimits = QueryLimits()) {
            self.introspection = introspection
            self.limits = limits
        }
    }

    /// One operation of a request body (`{query, variables, operationName}`).
    struct Operation: Sendable {
        let query: String
        let variables: [String: Map]
        let operationName: String?
    }

    let schema: GraphQLSchema
    /// The schema in SDL, served at `/graphql/schema.graphql`.
    public let sdl: String
    let settings: Settings
    let transport: any ModuleTransport
    private let rules: [@Sendable (ValidationContext) -> Visitor]

    public init(transport: any ModuleTransport, settings: Settings) throws {
        let types = try GraphTypes()
        schema = try GraphQLSchema(
            query: GraphQLObjectType(name: "Query", fields: types.queryFields.merging(types.adminQueryFields) { first, _ in first }),
            mutation: GraphQLObjectType(
                name: "Mutation", fields: types.mutationFields.merging(types.adminMutationFields) { first, _ in first }))
        // Types sorted by name: the library prints them in hash order, which changes between runs.
        let named = schema.typeMap.values.filter { !$0.name.hasPrefix("__") && !Self.builtInScalars.contains($0.name) }.sorted {
            $0.name < $1.name
        }
        sdl = named.map { printType(type: $0) }.joined(separator: "\n\n") + "\n"
        self.settings = settings
        self.transport = transport
        rules = settings.introspection ? specifiedRules : specifiedRules + [NoSchemaIntrospectionCustomRule]
    }

    private static let builtInScalars: Set<String> = ["String", "Int", "Float", "Boolean", "ID"]

    /// Parses, validates, checks the limits and runs one operation. Every refusal before
    /// execution is an `errors` entry with a `code`; no error carries internals. Counted in
    /// `/metrics` by operation type and outcome, and each error by its code: a GraphQL answer
    /// is an HTTP 200 whatever went wrong, so the HTTP metrics alone would not show it.
    func execute(
        _ operation: Operation, context: BazaarRequestContext, credentials: HTTPFields, queriesOnly: Bool = false
    ) async -> GraphQLResult {
        var document: Document?
        let result = await execute(operation, document: &document, context: context, credentials: credentials, queriesOnly: queriesOnly)
        GraphQLMetrics.record(result, operation: document?.operation(named: operation.operationName)?.operation.rawValue)
        return result
    }

    private func execute(
        _ operation: Operation, document parsed: inout Document?, context: BazaarRequestContext, credentials: HTTPFields, queriesOnly: Bool
    ) async -> GraphQLResult {
        // The parser recurses once per bracket: bound the nesting before it runs (a few KB of `{{{…`
        // would overflow the stack). The depth limit below then judges the parsed selections.
        guard NestingLimit.allows(operation.query.utf8, syntax: .graphQL, limit: settings.limits.maxNesting) else {
            return GraphQLResult(errors: [
                GraphQLError(
                    message: "The query nests brackets more than \(settings.limits.maxNesting) deep.",
                    extensions: ["code": "QUERY_TOO_DEEP"])
            ])
        }
        var document: Document
        do {
            document = try parse(source: Source(body: operation.query, name: "GraphQL request"))
        } catch let error as GraphQLError {
            return GraphQLResult(errors: [Self.coded(error, "GRAPHQL_PARSE_FAILED")])
        } catch {
            return GraphQLResult(errors: [
                GraphQLError(message: "The query could not be parsed.", extensions: ["code": "GRAPHQL_PARSE_FAILED"])
            ])
        }
        var compatibility = InputValueDeprecation.applies(to: operation.query) ? InputValueDeprecation(schema: schema) : nil
        if compatibility != nil { document = compatibility!.rewrite(document) }
        parsed = document
        let invalid = validate(schema: schema, ast: document, rules: rules)
        guard invalid.isEmpty else { return GraphQLResult(errors: invalid.map { Self.coded($0, "GRAPHQL_VALIDATION_FAILED") }) }
        do {
            try settings.limits.check(document, operationName: operation.operationName, variables: operation.variables, schema: schema)
        } catch let exceeded as QueryLimits.Exceeded {
            return GraphQLResult(errors: [GraphQLError(message: exceeded.message, extensions: ["code": .string(exceeded.code)])])
        } catch {
            return GraphQLResult(errors: [
                GraphQLError(message: "The query could not be measured.", extensions: ["code": "GRAPHQL_VALIDATION_FAILED"])
            ])
        }
        if queriesOnly, document.operation(named: operation.operationName)?.operation != .query {
            return GraphQLResult(errors: [
                GraphQLError(message: "Only queries may be sent with GET; use POST.", extensions: ["code": "METHOD_NOT_ALLOWED"])
            ])
        }
        let request = GraphRequest(transport: transport, context: context, credentials: credentials)
        do {
            let result = try await GraphQL.execute(
                schema: schema, documentAST: document, rootValue: (), context: request, variableValues: operation.variables,
                operationName: operation.operationName)
            let data = compatibility.flatMap { patcher in result.data.map(patcher.patch) } ?? result.data
            return GraphQLResult(data: data, errors: result.errors.map { sanitized($0, logger: context.logger) })
        } catch {
            context.logger.error("GraphQL execution failed", metadata: ["error.type": "\(type(of: error))"])
            return GraphQLResult(errors: [GraphQLError(message: "Internal server error.", extensions: ["code": "INTERNAL_SERVER_ERROR"])])
        }
    }

    /// A module refusal keeps its message, status and code; anything else unexpected becomes a
    /// generic error (logged by type only: its text might hold data that must not leak).
    private func sanitized(_ error: GraphQLError, logger: Logger) -> GraphQLError {
        switch error.originalError {
        case nil:
            return Self.coded(error, "BAD_USER_INPUT")
        case let refusal as GraphFieldError:
            return GraphQLError(message: refusal.message, locations: error.locations, path: error.path, extensions: refusal.extensions)
        case let inner as GraphQLError:
            return GraphQLError(
                message: inner.message, locations: error.locations, path: error.path, extensions: ["code": "BAD_USER_INPUT"])
        case let other?:
            logger.error("GraphQL resolver failed", metadata: ["error.type": "\(type(of: other))", "path": "\(error.path)"])
            return GraphQLError(
                message: "Internal server error.", locations: error.locations, path: error.path,
                extensions: ["code": "INTERNAL_SERVER_ERROR"])
        }
    }

    private static func coded(_ error: GraphQLError, _ code: String) -> GraphQLError {
        guard error.extensions["code"] == nil else { return error }
        return GraphQLError(message: error.message, locations: error.locations, path: error.path, extensions: ["code": .string(code)])
    }
}

extension Document {
    /// The operation a request runs: the one named, else the first.
    func operation(named name: String?) -> OperationDefinition? {
        let operations = definitions.compactMap { $0 as? OperationDefinition }
        return name.map { name in operations.first { $0.name?.value == name } } ?? operations.first
    }
}
