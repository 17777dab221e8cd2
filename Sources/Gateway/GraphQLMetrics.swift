import GraphQL
import Metrics

/// GraphQL's own counters: `bazaar_graphql_operations_total{operation,outcome}` and
/// `bazaar_graphql_errors_total{code}`. Labels come from closed sets (operation types, outcomes,
/// the error codes this gateway gives), so a client cannot grow the series.
enum GraphQLMetrics {
    static func record(_ result: GraphQLResult, operation: String?) {
        let outcome =
            switch (result.data, result.errors.isEmpty) {
            case (nil, false): "refused"
            case (_, false): "partial"
            default: "ok"
            }
        Counter(label: "bazaar_graphql_operations_total", dimensions: [("operation", operation ?? "unknown"), ("outcome", outcome)])
            .increment()
        for error in result.errors {
            let code: String
            if case .string(let text) = error.extensions["code"], knownCodes.contains(text) { code = text } else { code = "OTHER" }
            Counter(label: "bazaar_graphql_errors_total", dimensions: [("code", code)]).increment()
        }
    }

    static let knownCodes: Set<String> = [
        "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "QUERY_TOO_DEEP", "QUERY_TOO_COSTLY", "TOO_MANY_ALIASES", "METHOD_NOT_ALLOWED",
        "BAD_USER_INPUT", "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "RATE_LIMITED", "SERVICE_UNAVAILABLE",
        "INTERNAL_SERVER_ERROR",
    ]
}
