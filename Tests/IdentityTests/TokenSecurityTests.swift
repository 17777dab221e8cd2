import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Identity
import JWTKit
import PlatformAuth
import PlatformDatabase
import Testing
import TestSupport

@Suite("Access token security")
struct TokenSecurityTests {
    struct JWKS: Decodable {
        struct Key: Decodable { let kid: String; let kty: String; let crv: String; let alg: String; let x: String }
        let keys: [Key]
    }

    func claims(
        for session: Session, app: TestBazaar, audience: String = "bazaar-api", issuer: String = "bazaar", expiresIn: TimeInterval = 600
    ) -> AccessTokenClaims {
        let now = app.clock.now()
        return AccessTokenClaims(
            iss: .init(value: issuer), aud: .init(value: [audience]), sub: .init(value: session.user.id),
            exp: .init(value: now.addingTimeInterval(expiresIn)), iat: .init(value: now), jti: .init(value: UUID().uuidString),
            role: "admin", sid: UUID().uuidString)
    }

    func status(_ app: TestBazaar, _ token: String) async throws -> HTTPResponse.Status {
        try await app.request(.get, "/api/v1/users/me", token: token).status
    }

    @Test(arguments: TestEngine.allCases)
    func forgedAndStaleTokensAreRefused(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "oz@example.com")
            let keys = try #require(app.bazaar.identity).keys
            let jwks = try await app.request(.get, "/.well-known/jwks.json").decode(JWKS.self)
            let kid = try #require(jwks.keys.first?.kid)
            #expect(jwks.keys.first?.alg == "EdDSA")

            // A correctly signed token verifies (the baseline the forgeries differ from).
            #expect(try await status(app, try await keys.sign(claims(for: session, app: app))) == .ok)

            // alg: none, with and without our kid.
            let payload = Data(try JSONEncoder().encode(claims(for: session, app: app))).base64URLEncodedString()
            for header in [#"{"alg":"none","typ":"JWT"}"#, #"{"alg":"none","kid":"\#(kid)"}"#] {
                let unsigned = Data(header.utf8).base64URLEncodedString() + "." + payload + "."
                #expect(try await status(app, unsigned) == .unauthorized)
            }
            // HS256 keyed with the public key (the classic algorithm-confusion attack).
            let hmac = JWTKeyCollection()
            await hmac.add(
                hmac: HMACKey(from: Data(base64URLEncoded: jwks.keys[0].x)!), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
            #expect(
                try await status(app, try await hmac.sign(claims(for: session, app: app), kid: JWKIdentifier(string: kid))) == .unauthorized
            )
            // Another Ed25519 key claiming our kid.
            let impostor = JWTKeyCollection()
            await impostor.add(eddsa: try EdDSA.PrivateKey(), kid: JWKIdentifier(string: kid))
            #expect(
                try await status(app, try await impostor.sign(claims(for: session, app: app), kid: JWKIdentifier(string: kid)))
                    == .unauthorized)
            // Right key, wrong audience or issuer.
            #expect(try await status(app, try await keys.sign(claims(for: session, app: app, audience: "someone-else"))) == .unauthorized)
            #expect(try await status(app, try await keys.sign(claims(for: session, app: app, issuer: "evil"))) == .unauthorized)
            // Garbage.
            #expect(try await status(app, "not.a.token") == .unauthorized)
            let malformedHeader = try await app.request(.get, "/api/v1/users/me", headers: [.authorization: "Basic abc"])
            #expect(malformedHeader.status == .unauthorized)
            #expect(malformedHeader.headers[.wwwAuthenticate] != nil)
        }
    }

    /// A credential is checked wherever it is sent: a revoked token on a route that needs none is
    /// refused, not served as anonymous, and the document says so on those routes.
    @Test(arguments: TestEngine.allCases)
    func aRevokedTokenIsRefusedOnOpenRoutesAsDocumented(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "lee@example.com")
            let admin = try await app.admin()
            let promoted = try await app.request(
                .put, "/api/v1/admin/users/\(session.user.id)/role", token: admin.accessToken, json: #"{"role":"admin"}"#)
            #expect(promoted.status == .ok)
            for (method, path) in [(HTTPRequest.Method.get, "/api/v1/products"), (.get, "/health/live")] {
                #expect(try await app.request(method, path).status == .ok)
                let refused = try await app.request(method, path, token: session.accessToken)
                #expect(refused.status == .unauthorized)
                #expect(refused.headers[.contentType] == "application/problem+json")
            }
            let register = try await app.request(
                .post, "/api/v1/auth/register", token: session.accessToken,
                json: #"{"email":"kim@example.com","password":"password-123","name":"Kim"}"#)
            #expect(register.status == .unauthorized)
            // Nothing written: the address is still free.
            #expect(try await app.register(email: "kim@example.com").user.email == "kim@example.com")

            struct Document: Decodable {
                struct Operation: Decodable { let responses: [String: Ignored]; let security: [[String: [String]]]? }
                struct Ignored: Decodable { init(from decoder: any Decoder) throws {} }
                let paths: [String: [String: Operation]]
            }
            let document = try await app.request(.get, "/api-docs/v1/openapi.json").decode(Document.self)
            for (path, method) in [("/api/v1/products", "get"), ("/api/v1/auth/register", "post"), ("/health/live", "get")] {
                let operation = try #require(document.paths[path]?[method])
                #expect(operation.responses["401"] != nil, "\(method) \(path)")
                #expect(operation.security?.contains([:]) == true, "\(method) \(path): a credential is optional")
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func accessTokensExpireAfterFifteenMinutes(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "pat@example.com")
            app.clock.advance(by: 14 * 60)
            #expect(try await status(app, session.accessToken) == .ok)
            app.clock.advance(by: 2 * 60)
            #expect(try await status(app, session.accessToken) == .unauthorized)
            // The refresh token still works and yields a fresh access token.
            let refreshed = try await app.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#)
            #expect(try await status(app, try refreshed.decode(Session.self).accessToken) == .ok)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func rotatedKeysKeepOldTokensValid(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let before = try await app.register(email: "quinn@example.com")
            let identity = try #require(app.bazaar.identity)
            let newKid = try await identity.rotateKeys()
            let jwks = try await app.request(.get, "/.well-known/jwks.json").decode(JWKS.self)
            #expect(jwks.keys.count == 2)
            #expect(jwks.keys.contains { $0.kid == newKid })
            #expect(try await status(app, before.accessToken) == .ok)
            let after = try await app.login(email: "quinn@example.com", password: "password-123")
            let header = try #require(after.accessToken.split(separator: ".").first.flatMap { Data(base64URLEncoded: String($0)) })
            #expect(String(decoding: header, as: UTF8.self).contains(newKid))
            #expect(try await status(app, after.accessToken) == .ok)
        }
    }

    /// A process that has not caught up with the event log yet (just started, or slow) looks an
    /// unknown `kid` up instead of refusing a valid token; made-up kids cost at most one lookup
    /// per interval.
    @Test(arguments: TestEngine.allCases)
    func anUnknownKeyIsLookedUpOnceAndThenKnown(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "late@example.com")
            let verifier = TokenVerifier(
                audience: TokenAudience(), accessTokenLifetime: 900, clock: app.clock, keyLookupInterval: .seconds(60))
            _ = TokenVerifierFeed(verifier: verifier, log: app.bazaar.platform.events, clock: app.clock, logger: app.bazaar.platform.logger)
            #expect(verifier.keyIDs.isEmpty)

            let user = try await verifier.verify(session.accessToken)
            #expect(user.id == session.user.id)
            #expect(!verifier.keyIDs.isEmpty)

            let impostor = JWTKeyCollection()
            await impostor.add(eddsa: try EdDSA.PrivateKey(), kid: JWKIdentifier(string: "made-up"))
            let forged = try await impostor.sign(claims(for: session, app: app), kid: JWKIdentifier(string: "made-up"))
            // The first lookup already ran for the real key; within the interval no query is made.
            let counter = StatementCounter()
            await #expect(throws: TokenVerifier.Failure.unknownKey) {
                try await StatementCounter.$current.withValue(counter) { try await verifier.verify(forged) }
            }
            #expect(counter.statements == 0)

            // A verifier whose interval has passed looks again, once, and still refuses the made-up kid.
            let fresh = TokenVerifier(
                audience: TokenAudience(), accessTokenLifetime: 900, clock: app.clock, keyLookupInterval: .seconds(60))
            _ = TokenVerifierFeed(verifier: fresh, log: app.bazaar.platform.events, clock: app.clock, logger: app.bazaar.platform.logger)
            let freshCounter = StatementCounter()
            await #expect(throws: TokenVerifier.Failure.unknownKey) {
                try await StatementCounter.$current.withValue(freshCounter) { try await fresh.verify(forged) }
            }
            #expect(freshCounter.statements == 1)
            #expect(try await fresh.verify(session.accessToken).id == session.user.id)
            #expect(freshCounter.statements == 1)
        }
    }

    @Test func productionBcryptCostIsAtLeastTwelve() async throws {
        #expect(IdentityModule.Settings().bcryptCost >= 12)
        let hash = try await PasswordHasher(cost: IdentityModule.Settings().bcryptCost).hash("correct horse")
        #expect(hash.hasPrefix("$2b$12$"))
        #expect(try await PasswordHasher(cost: 12).verify("correct horse", hash: hash))
        #expect(try await !PasswordHasher(cost: 12).verify("wrong horse", hash: hash))
        // The unknown-account path runs a full check too (it must not fail fast on a bad hash).
        try await PasswordHasher(cost: 12).verifyAgainstDummy("anything")
    }
}
