import Foundation
import HTTPTypes
import PlatformCore
import Testing
import TestSupport

/// Inputs that used to end the process: a GraphQL document nested a few thousand levels deep
/// overflowed the parser's stack (SIGSEGV) before the depth limit ran. A regression here takes the
/// whole test process down, so each case is followed by an ordinary request on the same server.
@Suite("GraphQL: hostile nesting")
struct HostileQueryTests {
    @Test(arguments: TestEngine.allCases)
    func deeplyNestedDocumentsAreRefusedBeforeParsing(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let token = try await app.register(email: "nest@example.com").accessToken
            for query in [
                String(repeating: "{a", count: 3_000) + "b" + String(repeating: "}", count: 3_000),
                "{" + String(repeating: "me{", count: 2_600) + "id" + String(repeating: "}", count: 2_601),
                "{ product(id: " + String(repeating: "[", count: 3_000) + "\"x\"" + String(repeating: "]", count: 3_000) + ") { id } }",
                // Unbalanced: the parser would recurse just the same before noticing.
                String(repeating: "{a", count: 5_000),
            ] {
                #expect(query.utf8.count < 20_000)
                let answer = try await app.graphQL(query, token: token)
                #expect(answer.status == .ok)
                #expect(answer.codes == ["QUERY_TOO_DEEP"])
                #expect(answer.data.isNull)
            }
            // The same by GET.
            let deep = (String(repeating: "{a", count: 2_600) + String(repeating: "}", count: 2_600))
                .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let get = try await app.request(.get, "/graphql?query=\(deep)")
            #expect(get.status == .ok)
            #expect(get.text.contains("QUERY_TOO_DEEP"))
            // A query within the bounds still runs; brackets inside strings do not count.
            let within = try await app.graphQL("{ me { id } product(id: \"\(String(repeating: "{", count: 500))\") { id } }", token: token)
            #expect(within.codes.filter { $0 == "QUERY_TOO_DEEP" }.isEmpty)
            #expect(within.data["me"]["id"].string != nil)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func deeplyNestedJSONIsAProblemEverywhere(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let token = try await app.register(email: "json@example.com").accessToken
            let nested = String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
            // A REST body, a GraphQL body, GraphQL variables by POST and by GET.
            for (method, path, body) in [
                (HTTPRequest.Method.patch, "/api/v1/users/me", #"{"name": "# + nested + "}"),
                (.post, "/graphql", #"{"query": "{ me { id } }", "variables": {"x": "# + nested + "}}"),
                (.post, "/graphql", nested),
            ] {
                let response = try await app.request(method, path, token: token, json: body)
                #expect(response.status == .badRequest, "\(path)")
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(try response.problem().detail?.contains("nests deeper than") == true)
            }
            let variables = ("{\"x\":" + nested + "}").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let get = try await app.request(.get, "/graphql?query=%7Bme%7Bid%7D%7D&variables=\(variables)")
            #expect(get.status == .badRequest)
            // Nothing was written, and the server still answers.
            let me = try await app.request(.get, "/api/v1/users/me", token: token)
            #expect(me.status == .ok)
            #expect(try me.decode(JSONValue.self)["name"].string == "Test User")
        }
    }
}
