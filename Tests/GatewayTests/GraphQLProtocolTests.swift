import Foundation
import HTTPTypes
import PlatformCore
import Testing
import TestSupport

/// The HTTP side of `/graphql`: limits, bad requests, batches, GET, introspection, the SDL.
@Suite("GraphQL: limits, protocol and schema")
struct GraphQLProtocolTests {
    @Test(arguments: TestEngine.allCases)
    func limitsAreCheckedBeforeAnythingRuns(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            // Within the bounds: nested lists, fragments and a few aliases run.
            let fine = try await app.graphQL(
                "fragment P on Product { price { currency } } { a: orders { nodes { items { product { ...P } } } } b: me { id } }",
                token: admin)
            #expect(fine.errors.isEmpty)

            // Cost: 100 orders × their lines × their products is refused before any module is called;
            // an over-aliased mutation writes nothing.
            let costly = try await app.graphQL(
                "{ orders(first: 100) { nodes { id items { name product { name price { amount currency } } } } } }", token: admin)
            #expect(costly.codes == ["QUERY_TOO_COSTLY"])
            #expect(costly.data.isNull)
            let aliases = (0..<21).map { "a\($0): me { id }" }.joined(separator: " ")
            let aliased = try await app.graphQL("{ \(aliases) }", token: admin)
            #expect(aliased.codes == ["TOO_MANY_ALIASES"])
            let created = try await app.graphQL(
                "mutation { "
                    + (0..<21).map {
                        "p\($0): adminCreateProduct(name: \"N\", description: \"\", price: {amount: 1, currency: \"USD\"}, stock: 1, sku: \"AL-\($0)\") { id }"
                    }.joined(separator: " ")
                    + " }", token: admin)
            #expect(created.codes == ["TOO_MANY_ALIASES"])
            #expect(try await app.graphQLData("{ products { nodes { id } } }")["products"]["nodes"].array.isEmpty)

            // Errors carry a code and never internals.
            let unknown = try await app.graphQL("{ nope }")
            #expect(unknown.codes == ["GRAPHQL_VALIDATION_FAILED"])
            let broken = try await app.graphQL("{ products { ")
            #expect(broken.codes == ["GRAPHQL_PARSE_FAILED"])
            for error in unknown.errors + broken.errors + costly.errors {
                let message = error["message"].string ?? ""
                #expect(!message.contains(".swift") && !message.contains("Error(") && !message.isEmpty)
            }
        }
    }

    /// GraphQL answers are HTTP 200 whatever happened, so `/metrics` counts operations by
    /// outcome and errors by code. (The registry is shared by every test in this process:
    /// counts are compared before and after, and others can only add to them.)
    @Test(arguments: TestEngine.allCases)
    func operationsAndErrorsAreCounted(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            func count(_ series: String) async throws -> Double {
                let text = try await app.request(.get, "/metrics").text
                return text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
                    ?? 0
            }
            let refused = #"bazaar_graphql_operations_total{operation="unknown",outcome="refused"}"#
            let parse = #"bazaar_graphql_errors_total{code="GRAPHQL_PARSE_FAILED"}"#
            let partial = #"bazaar_graphql_operations_total{operation="query",outcome="partial"}"#
            let unauthenticated = #"bazaar_graphql_errors_total{code="UNAUTHENTICATED"}"#
            let ok = #"bazaar_graphql_operations_total{operation="query",outcome="ok"}"#
            let before = (
                try await count(refused), try await count(parse), try await count(partial), try await count(unauthenticated),
                try await count(ok)
            )

            _ = try await app.graphQL("{ products { ")
            _ = try await app.graphQL("{ me { id } products { nodes { id } } }")
            _ = try await app.graphQLData("{ products { nodes { id } } }")

            #expect(try await count(refused) >= before.0 + 1)
            #expect(try await count(parse) >= before.1 + 1)
            #expect(try await count(partial) >= before.2 + 1)
            #expect(try await count(unauthenticated) >= before.3 + 1)
            #expect(try await count(ok) >= before.4 + 1)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func depthLimitWithATighterBound(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, configure: { $0.graphQLDepthLimit = 4 }) { app in
            let token = try await app.register(email: "deep@example.com").accessToken
            #expect(try await app.graphQL("{ orders { nodes { items { name } } } }", token: token).errors.isEmpty)
            let deep = try await app.graphQL("{ orders { nodes { items { product { name } } } } }", token: token)
            #expect(deep.codes == ["QUERY_TOO_DEEP"])
            #expect(deep.errors[0]["message"].string?.contains("at most 4") == true)
            // Fragments count where they are spread.
            let spread = try await app.graphQL(
                "fragment L on OrderLine { product { name } } { orders { nodes { items { ...L } } } }", token: token)
            #expect(spread.codes == ["QUERY_TOO_DEEP"])
        }
    }

    @Test(arguments: TestEngine.allCases)
    func malformedRequestsAreProblemsAndBatchesAreCapped(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            for (body, status, field) in [
                ("{not json", HTTPResponse.Status.badRequest, nil), (#"{"variables": {}}"#, .unprocessableContent, "query"),
                (#"{"query": 42}"#, .unprocessableContent, "query"),
                (#"{"query": "{ me { id } }", "variables": [1]}"#, .unprocessableContent, "variables"),
                (#"{"query": "{ me { id } }", "debug": true}"#, .unprocessableContent, "debug"), ("[]", .badRequest, "batch"),
                (
                    "[" + Array(repeating: #"{"query":"{ products { nodes { id } } }"}"#, count: 6).joined(separator: ",") + "]",
                    .badRequest, "batch"
                ),
            ] as [(String, HTTPResponse.Status, String?)] {
                let response = try await app.request(.post, "/graphql", json: body)
                #expect(response.status == status, "\(body)")
                #expect(response.headers[.contentType] == "application/problem+json")
                if let field { #expect(try response.problem().fields.contains(field), "\(body)") }
            }
            let oversized = try await app.request(.post, "/graphql", json: #"{"query": ""# + String(repeating: "a", count: 70_000) + #""}"#)
            #expect(oversized.status == .contentTooLarge)

            let batch = try await app.request(
                .post, "/graphql",
                json:
                    #"[{"query":"{ products { nodes { id } } }"},{"query":"query Q($id: ID!) { product(id: $id) { id } }","variables":{"id":"x"},"operationName":"Q"}]"#
            )
            #expect(batch.status == .ok)
            let answers = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: batch.body))
            #expect(answers.array.count == 2)
            #expect(answers[1]["data"]["product"].isNull)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func getServesQueriesOnlyAndIntrospectionFollowsTheSetting(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, configure: { $0.graphQLIntrospection = false }) { app in
            let query = "{ products { nodes { id } } }".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!
            let get = try await app.request(.get, "/graphql?query=\(query)")
            #expect(get.status == .ok)
            #expect(get.text == #"{"data":{"products":{"nodes":[]}}}"#)
            let mutation = "mutation { markAllNotificationsRead }".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!
            #expect(
                try JSONDecoder().decode(
                    JSONValue.self, from: Data(buffer: try await app.request(.get, "/graphql?query=\(mutation)").body))["errors"][0][
                        "extensions"]["code"].string == "METHOD_NOT_ALLOWED")
            #expect(try await app.request(.get, "/graphql?query=\(query)&variables=%5B").status == .badRequest)
            let introspection = try await app.graphQL("{ __schema { types { name } } }")
            #expect(Set(introspection.codes) == ["GRAPHQL_VALIDATION_FAILED"])
            #expect(introspection.errors[0]["message"].string?.contains("introspection has been disabled") == true)
            #expect(try await app.request(.get, "/graphql").status == .badRequest)
            #expect(try await app.graphQL("{ products { __typename } }").errors.isEmpty)
        }
        try await TestBazaar.run(engine, configure: { $0.graphQLIntrospection = true }) { app in
            let types = try await app.graphQLData("{ __schema { queryType { name } types { name } } }")
            #expect(types["__schema"]["queryType"]["name"].string == "Query")
            let page = try await app.request(.get, "/graphql")
            #expect(page.status == .ok)
            #expect(page.text.contains("/assets/graphql-explorer.js"))
        }
    }

    /// A stock client (Python `gql` 4.4) loads the schema the way it and GraphiQL ask for it
    /// (with input-value deprecation, which GraphQL 4.3 cannot answer by itself), then runs
    /// queries checked against that schema; an empty id is an absent object, not an error.
    @Test(arguments: TestEngine.allCases)
    func aStockClientLoadsTheSchemaAndQueries(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, live: true, configure: { $0.graphQLIntrospection = true }) { app in
            let user = try await app.register(email: "gql@example.com")
            let client = try PeerProcess(
                script: "graphql_client.py", arguments: ["--url", "http://127.0.0.1:\(app.port)/graphql", "--token", user.accessToken])
            defer { client.stop() }
            #expect(try await client.waitForExit(timeout: .seconds(60)) == 0, "\(client.output)")
            #expect(client.output.contains { $0.hasPrefix("SCHEMA types=") })
            #expect(client.output.contains(#"RESULT emptyProduct {"product": null}"#))
            #expect(client.output.contains(#"RESULT emptyOrder {"order": null}"#))
            #expect(client.output.contains { $0.hasPrefix("RESULT me ") && $0.contains("gql@example.com") })

            // The answer to the raw introspection says false for every input value, as a direct query shows.
            let inputs = try await app.graphQLData(
                #"{ __type(name: "Query") { fields { args { name dep: isDeprecated isDeprecated deprecationReason } } } }"#)
            let args = inputs["__type"]["fields"].array.flatMap { $0["args"].array }
            #expect(!args.isEmpty)
            #expect(args.allSatisfy { $0["isDeprecated"].bool == false && $0["dep"].bool == false && $0["deprecationReason"].isNull })
            #expect(args.contains { $0["name"].string == "id" })
        }
    }

    /// The SDL is the public contract: a change to it must be deliberate. Run with
    /// `BAZAAR_UPDATE_SCHEMA=1` to accept a new schema.
    @Test func servedSchemaMatchesTheCommittedSDL() async throws {
        try await TestBazaar.run(.sqlite) { app in
            let response = try await app.request(.get, "/graphql/schema.graphql")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("schema.graphql")
            if ProcessInfo.processInfo.environment["BAZAAR_UPDATE_SCHEMA"] == "1" { try Data(buffer: response.body).write(to: file) }
            #expect(response.text == (try String(contentsOf: file, encoding: .utf8)))
            for field in [
                "me", "products", "product", "cart", "orders", "order", "promotions", "wallet", "notifications", "placeOrder",
                "adminSetStock",
            ] {
                #expect(response.text.contains("  \(field)"), "\(field)")
            }
        }
    }
}
