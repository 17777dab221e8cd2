import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

/// Every body-taking route refuses malformed, incomplete, wrongly typed, unknown-field and
/// oversized bodies with a problem naming the field, and writes nothing.
@Suite("Bad input")
struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let body: String
        let status: HTTPResponse.Status
        let field: String?
        var testDescription: String { body.count > 60 ? String(body.prefix(60)) + "…" : body }
    }

    static let registerCases: [Case] = [
        Case(body: "{not json", status: .badRequest, field: nil),
        Case(body: "[1,2]", status: .badRequest, field: nil),
        Case(body: #"{"email":"x@example.com","name":"X"}"#, status: .unprocessableContent, field: "password"),
        Case(body: #"{"email":42,"password":"password-123","name":"X"}"#, status: .unprocessableContent, field: "email"),
        Case(
            body: #"{"email":"x@example.com","password":"password-123","name":"X","role":"admin"}"#, status: .unprocessableContent,
            field: "role"),
        Case(body: #"{"email":"x@example.com","password":"short","name":"X"}"#, status: .unprocessableContent, field: "password"),
        Case(
            body: #"{"email":"x@example.com","password":"\#(String(repeating: "é", count: 257))","name":"X"}"#,
            status: .unprocessableContent, field: "password"),
        Case(body: #"{"email":"not-an-email","password":"password-123","name":"X"}"#, status: .unprocessableContent, field: "email"),
        Case(body: #"{"email":"x@example.com","password":"password-123","name":""}"#, status: .unprocessableContent, field: "name"),
        Case(body: #"{"email":"x@example.com","password":"password-123","name":null}"#, status: .unprocessableContent, field: "name"),
    ]

    @Test(arguments: TestEngine.allCases, registerCases)
    func registerRefusesAndWritesNothing(engine: TestEngine, input: Case) async throws {
        try await TestBazaar.run(engine) { app in
            let response = try await app.request(.post, "/api/v1/auth/register", json: input.body)
            #expect(response.status == input.status)
            let problem = try response.problem()
            if let field = input.field { #expect(problem.fields.contains(field)) }
            let admin = try await app.admin()
            let users = try await app.request(.get, "/api/v1/admin/users", token: admin.accessToken).text
            #expect(!users.contains("x@example.com"))
        }
    }

    @Test(arguments: TestEngine.allCases)
    func oversizedBodiesAre413(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let huge = #"{"email":"big@example.com","password":"password-123","name":"\#(String(repeating: "a", count: 70_000))"}"#
            let response = try await app.request(.post, "/api/v1/auth/register", json: huge)
            #expect(response.status == .contentTooLarge)
            #expect(try response.problem().status == 413)
        }
    }

    static let bodyRoutes: [(method: HTTPRequest.Method, path: String, auth: Bool)] = [
        (.post, "/api/v1/auth/login", false), (.post, "/api/v1/auth/refresh", false), (.post, "/api/v1/auth/logout", false),
        (.post, "/api/v1/auth/password-reset", false), (.post, "/api/v1/auth/password-reset/confirm", false),
        (.patch, "/api/v1/users/me", true), (.put, "/api/v1/users/me/preferences", true),
    ]

    @Test(arguments: TestEngine.allCases)
    func everyBodyRouteRefusesMalformedAndUnknownFields(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "frank@example.com")
            for route in Self.bodyRoutes {
                let token = route.auth ? session.accessToken : nil
                let malformed = try await app.request(route.method, route.path, token: token, json: "{\"a\":")
                #expect(malformed.status == .badRequest, "\(route.path)")
                #expect(try malformed.problem().status == 400)
                let unknown = try await app.request(route.method, route.path, token: token, json: #"{"balance":100}"#)
                #expect(unknown.status == .unprocessableContent, "\(route.path)")
                #expect(try unknown.problem().fields.contains("balance"), "\(route.path)")
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func profileValidationNamesFieldsAndWritesNothing(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "gina@example.com", name: "Gina")
            let cases: [(String, String)] = [
                (#"{"phone":"call me"}"#, "phone"),
                (#"{"phone":123}"#, "phone"),
                (#"{"address":{"line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"usa"}}"#, "address.country"),
                (#"{"address":{"city":"Springfield","postalCode":"12345","country":"US"}}"#, "address.line1"),
                (#"{"name":"\#(String(repeating: "n", count: 101))"}"#, "name"),
                (#"{"name":"Valid","balance":5}"#, "balance"),
            ]
            for (body, field) in cases {
                let response = try await app.request(.patch, "/api/v1/users/me", token: session.accessToken, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(try response.problem().fields.contains(field), "\(body)")
            }
            let me = try await app.request(.get, "/api/v1/users/me", token: session.accessToken).decode(Session.User.self)
            #expect(me.name == "Gina")
        }
    }

    @Test(arguments: TestEngine.allCases)
    func preferencesRequireEveryBoolean(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "hal@example.com")
            let missing = try await app.request(
                .put, "/api/v1/users/me/preferences", token: session.accessToken, json: #"{"orderUpdates":false}"#)
            #expect(missing.status == .unprocessableContent)
            let wrongType = try await app.request(
                .put, "/api/v1/users/me/preferences", token: session.accessToken,
                json: #"{"orderUpdates":"no","promotions":true,"email":true,"realtime":true}"#)
            #expect(wrongType.status == .unprocessableContent)
            #expect(try wrongType.problem().fields == ["orderUpdates"])
        }
    }

    @Test(arguments: TestEngine.allCases)
    func listLimitsAreChecked(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin()
            for limit in ["0", "101", "ten", "-1"] {
                let response = try await app.request(.get, "/api/v1/admin/users?limit=\(limit)", token: admin.accessToken)
                #expect(response.status == .badRequest, "limit=\(limit)")
                #expect(try response.problem().fields == ["limit"])
            }
        }
    }
}
