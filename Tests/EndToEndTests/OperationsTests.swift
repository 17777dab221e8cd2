import BazaarServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Docs, health and metrics")
struct OperationsTests {
    @Test(arguments: TestEngine.allCases)
    func documentedRoutesAreExactlyTheServedRoutes(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let served = Set(app.bazaar.routes)
            #expect(
                served == OpenAPIDocument.routeSet,
                "served but undocumented: \(served.subtracting(OpenAPIDocument.routeSet)); documented but not served: \(OpenAPIDocument.routeSet.subtracting(served))"
            )

            let response = try await app.request(.get, "/api-docs/v1/openapi.json")
            #expect(response.status == .ok)
            struct Document: Decodable { let openapi: String; let paths: [String: [String: AnyDecodable]] }
            struct AnyDecodable: Decodable { init(from decoder: any Decoder) throws {} }
            let document = try response.decode(Document.self)
            #expect(document.openapi == "3.1.0")
            let listed = Set(document.paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } })
            #expect(listed == served)

            let page = try await app.request(.get, "/api-docs/v1")
            #expect(page.status == .ok)
            #expect(page.text.contains("/api-docs/v1/openapi.json"))
        }
    }

    /// The contract does not change by accident: every operation and the statuses it documents,
    /// against the list kept beside this test (openapi-operations.txt).
    @Test func theDocumentedOperationsAreTheKeptList() async throws {
        try await TestBazaar.run(.sqlite) { app in
            struct Document: Decodable {
                struct Operation: Decodable { let responses: [String: Ignored] }
                struct Ignored: Decodable { init(from decoder: any Decoder) throws {} }
                let paths: [String: [String: Operation]]
            }
            let document = try await app.request(.get, "/api-docs/v1/openapi.json").decode(Document.self)
            let served = document.paths.flatMap { path, methods in
                methods.map { method, operation in
                    "\(method.uppercased()) \(path): " + operation.responses.keys.sorted().joined(separator: " ")
                }
            }.sorted()
            let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("openapi-operations.txt")
            let kept = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
            #expect(
                served == kept,
                "added: \(Set(served).subtracting(kept).sorted()); gone: \(Set(kept).subtracting(served).sorted())")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func healthAndMetrics(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            #expect(try await app.request(.get, "/health/live").status == .ok)
            try await waitUntil("readiness") { try await app.request(.get, "/health/ready").status == .ok }
            _ = try await app.request(.get, "/api/v1/users/me")
            let metrics = try await app.request(.get, "/metrics")
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("bazaar_http_requests_total"))
            #expect(metrics.text.contains("bazaar_dead_letters"))
            #expect(metrics.text.contains("http_route=\"/api/v1/users/me\""))
        }
    }

    /// `promtool check metrics` (Prometheus's own linter) on a live exposition that has seen
    /// traffic, errors, a rate-limit refusal, a realtime connection and a parked event.
    @Test(arguments: TestEngine.allCases)
    func metricsPassPromtool(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, configure: { $0.authRequestsPerMinute = 1 }) { app in
            _ = try await app.request(.post, "/api/v1/auth/login", json: #"{"email":"a@b.c","password":"wrong-password"}"#)
            #expect(
                try await app.request(.post, "/api/v1/auth/login", json: #"{"email":"a@b.c","password":"wrong-password"}"#).status
                    == .tooManyRequests)
            _ = try await app.request(.get, "/api/v1/products/none")
            _ = try await app.request(.get, "/api/v1/products")
            let exposition = try await app.request(.get, "/metrics").text
            for family in [
                "bazaar_http_requests_total", "bazaar_http_request_duration_seconds", "bazaar_rate_limited_total",
                "bazaar_event_consumer_lag_events", "bazaar_jobs_queued", "bazaar_orders",
            ] {
                #expect(exposition.contains("# HELP \(family) "), "\(family)")
            }
            let checked = try await Promtool.checkMetrics(exposition)
            #expect(checked.status == 0, "promtool: \(checked.output)")
            #expect(checked.output.isEmpty, "promtool: \(checked.output)")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func unknownRoutesAndRequestIDs(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let missing = try await app.request(.get, "/api/v1/nothing-here")
            #expect(missing.status == .notFound)
            #expect(try missing.problem().status == 404)
            #expect(missing.headers[.init("X-Request-Id")!] != nil)
            let traced = try await app.request(.get, "/health/live", headers: [.init("X-Request-Id")!: "trace-123"])
            #expect(traced.headers[.init("X-Request-Id")!] == "trace-123")
        }
    }
}
