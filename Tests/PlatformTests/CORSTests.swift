import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformHTTP
import Testing
import TestSupport

@Suite("Cross-origin access (CORS)")
struct CORSTests {
    static let shop = "https://shop.example.com"

    @Test(arguments: TestEngine.allCases)
    func configuredOriginsGetAnswersOthersDoNot(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, configure: { $0.corsOrigins = .only([Self.shop, "http://localhost:3000"]) }) { app in
            // A preflight is answered before authentication and rate limits, and writes nothing.
            let preflight = try await app.request(
                .options, "/api/v1/orders",
                headers: [
                    .origin: Self.shop, .accessControlRequestMethod: "POST",
                    .accessControlRequestHeaders: "authorization, idempotency-key, content-type",
                ])
            #expect(preflight.status == .noContent || preflight.status == .ok)
            #expect(preflight.headers[.accessControlAllowOrigin] == Self.shop)
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("DELETE") == true)
            let allowedHeaders = preflight.headers[.accessControlAllowHeaders]?.lowercased() ?? ""
            for header in ["authorization", "idempotency-key", "content-type", "x-api-key"] {
                #expect(allowedHeaders.contains(header), "\(header)")
            }
            #expect(preflight.headers[.accessControlMaxAge] == "600")
            #expect(preflight.headers[.accessControlAllowCredentials] == nil)

            // Answers carry the headers, refusals (problem+json) included, and vary by origin.
            let refused = try await app.request(.get, "/api/v1/users/me", headers: [.origin: Self.shop])
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(refused.headers[.accessControlAllowOrigin] == Self.shop)
            #expect(refused.headers[.vary]?.contains("Origin") == true)
            let exposed = refused.headers[.accessControlExposeHeaders]?.lowercased() ?? ""
            for header in ["x-request-id", "ratelimit", "retry-after"] { #expect(exposed.contains(header), "\(header)") }
            let user = try await app.register(email: "browser@example.com")
            let me = try await app.request(.get, "/api/v1/users/me", token: user.accessToken, headers: [.origin: "http://localhost:3000"])
            #expect(me.status == .ok)
            #expect(me.headers[.accessControlAllowOrigin] == "http://localhost:3000")
            // Socket.IO's long-polling from a page on an allowed origin.
            let handshake = try await app.request(.get, "/socket.io/?EIO=4&transport=polling", headers: [.origin: Self.shop])
            #expect(handshake.status == .ok)
            #expect(handshake.headers[.accessControlAllowOrigin] == Self.shop)

            // Another origin gets no CORS headers (its page cannot read the answer), and no preflight answer.
            let foreign = try await app.request(
                .get, "/api/v1/users/me", token: user.accessToken, headers: [.origin: "https://evil.example"])
            #expect(foreign.headers[.accessControlAllowOrigin] == nil)
            let foreignPreflight = try await app.request(
                .options, "/api/v1/orders",
                headers: [
                    .origin: "https://evil.example", .accessControlRequestMethod: "POST",
                ])
            #expect(foreignPreflight.headers[.accessControlAllowOrigin] == nil)
            #expect(foreignPreflight.headers[.accessControlAllowMethods] == nil)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func offByDefaultAndAnyOriginWhenAsked(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let response = try await app.request(.get, "/health/live", headers: [.origin: Self.shop])
            #expect(response.status == .ok)
            #expect(response.headers[.accessControlAllowOrigin] == nil)
        }
        try await TestBazaar.run(engine, configure: { $0.corsOrigins = .any }) { app in
            let response = try await app.request(.get, "/health/live", headers: [.origin: Self.shop])
            #expect(response.headers[.accessControlAllowOrigin] == "*")
        }
    }

    @Test func originListsAreParsedStrictly() throws {
        #expect(try CORSOrigins.parse("") == nil)
        #expect(try CORSOrigins.parse("*") == .any)
        #expect(
            try CORSOrigins.parse(" https://a.example , http://localhost:3000 ") == .only(["https://a.example", "http://localhost:3000"]))
        for bad in [
            "shop.example.com", "https://a.example/", "https://a.example/path", "ftp://a.example", "*,https://a.example",
            "https://a.example?x=1",
        ] {
            #expect(throws: CORSOrigins.InvalidOrigin.self, "\(bad)") { try CORSOrigins.parse(bad) }
        }
    }
}
