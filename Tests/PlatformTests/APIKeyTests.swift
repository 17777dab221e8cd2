import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformAuth
import Testing
import TestSupport

struct APIKeyBody: Decodable, Sendable {
    let id: String
    let name: String
    let scope: String
    let key: String?
    let revokedAt: String?
}

@Suite("API keys")
struct APIKeyTests {
    static func create(_ app: TestBazaar, admin: String, scope: String) async throws -> APIKeyBody {
        let response = try await app.request(
            .post, "/api/v1/admin/api-keys", token: admin, json: #"{"name":"ci \#(scope)","scope":"\#(scope)"}"#)
        guard response.status == .created else { throw UnexpectedStatus(response) }
        return try response.decode(APIKeyBody.self)
    }

    @Test(arguments: TestEngine.allCases)
    func scopesRevocationAndTheKeyShownOnce(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let reader = try await Self.create(app, admin: admin, scope: "read")
            let writer = try await Self.create(app, admin: admin, scope: "admin")
            let readKey = try #require(reader.key)
            let writeKey = try #require(writer.key)
            #expect(readKey.hasPrefix("bzk_\(reader.id)_"))

            // The list never shows a key (nor anything derived from it).
            let listed = try await app.request(.get, "/api/v1/admin/api-keys", token: admin)
            let listText = String(buffer: listed.body)
            #expect(!listText.contains(readKey.split(separator: "_").last!) && !listText.contains(Secrets.sha256(readKey)))
            #expect(try listed.decode(Page<APIKeyBody>.self).items.map(\.key) == [nil, nil])

            let product = #"{"sku":"KEY-1","name":"Key","description":"d","price":{"amount":100,"currency":"USD"},"stock":1}"#
            #expect(try await app.request(.get, "/api/v1/admin/users", headers: [.apiKey: readKey]).status == .ok)
            let refused = try await app.request(.post, "/api/v1/products", json: product, headers: [.apiKey: readKey])
            #expect(refused.status == .forbidden)
            #expect(try await app.request(.get, "/api/v1/products").decode(Page<ProductBody>.self).items.isEmpty)
            #expect(try await app.request(.post, "/api/v1/products", json: product, headers: [.apiKey: writeKey]).status == .created)

            // Revoked: refused at once in this process.
            #expect(try await app.request(.delete, "/api/v1/admin/api-keys/\(writer.id)", token: admin).status == .noContent)
            #expect(try await app.request(.get, "/api/v1/admin/users", headers: [.apiKey: writeKey]).status == .unauthorized)
            #expect(try await app.request(.delete, "/api/v1/admin/api-keys/nope", token: admin).status == .notFound)

            // Tampered, unknown and malformed keys.
            for bad in [
                String(writeKey.dropLast()) + "x", "bzk_0000000000000000_" + String(repeating: "a", count: 43), "not-a-key",
                String(readKey.dropLast()),
            ] {
                let answer = try await app.request(.get, "/api/v1/admin/users", headers: [.apiKey: bad])
                #expect(answer.status == .unauthorized, "\(bad)")
                #expect(answer.headers[.contentType] == "application/problem+json")
            }
            let audit = String(buffer: try await app.request(.get, "/api/v1/admin/audit?action=security.api-key-*", token: admin).body)
            #expect(audit.contains("security.api-key-created") && audit.contains("security.api-key-revoked"))
            #expect(!audit.contains(writeKey))
        }
    }

    @Test(arguments: TestEngine.allCases)
    func onlyAdminsManageKeysAndBadInputIsRefused(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let user = try await app.register(email: "nokeys@example.com").accessToken
            #expect(
                try await app.request(.post, "/api/v1/admin/api-keys", token: user, json: #"{"name":"x","scope":"admin"}"#).status
                    == .forbidden)
            #expect(try await app.request(.get, "/api/v1/admin/api-keys", token: user).status == .forbidden)
            #expect(try await app.request(.delete, "/api/v1/admin/api-keys/x", token: user).status == .forbidden)
            let cases: [(String, Int, [String])] = [
                ("{", 400, []), (#"{"name":"x","scope":"root"}"#, 422, ["scope"]), (#"{"scope":"read"}"#, 422, ["name"]),
                (#"{"name":"","scope":"read"}"#, 422, ["name"]), (#"{"name":"x","scope":"read","owner":"me"}"#, 422, ["owner"]),
                (#"{"name":7,"scope":"read"}"#, 422, ["name"]),
            ]
            for (json, status, fields) in cases {
                let answer = try await app.request(.post, "/api/v1/admin/api-keys", token: admin, json: json)
                #expect(answer.status.code == status, "\(json)")
                if !fields.isEmpty { #expect(try answer.decode(ProblemReply.self).fields == fields, "\(json)") }
            }
            #expect(try await app.request(.get, "/api/v1/admin/api-keys", token: admin).decode(Page<APIKeyBody>.self).items.isEmpty)
        }
    }
}
