import Contracts
import Crypto
import Foundation
import JWTKit
import Platform
import PlatformAuth
import PlatformHTTP
import SQLKit
import Synchronization

/// Identity's Ed25519 signing keys. The newest key signs; every stored key stays published (JWKS
/// and the event log) so tokens signed before a rotation verify until they expire.
final class SigningKeys: Sendable {
    private let platform: PlatformContext
    private let signer = Mutex<(kid: String, keys: JWTKeyCollection)?>(nil)

    init(platform: PlatformContext) { self.platform = platform }

    struct PublicKey: Sendable {
        let kid: String
        let x: String
    }

    /// Loads the keys, creating the first one when there is none.
    func prepare() async throws {
        if try await all().isEmpty { try await rotate() }
        try await loadSigner()
    }

    /// Adds a new key that signs from now on; returns its kid.
    @discardableResult
    func rotate() async throws -> String {
        let key = Curve25519.Signing.PrivateKey()
        let kid = "k-" + Secrets.randomToken(bytes: 9)
        let x = key.publicKey.rawRepresentation.base64URLEncodedString()
        let now = platform.clock.now().millisecondsSince1970
        try await platform.database.transaction { [events = platform.events, audit = platform.audit] db in
            // The generation, not the clock, says which key is newest (two rotations may share a millisecond).
            try await db.raw(
                """
                INSERT INTO signing_keys (kid, generation, private_key, public_key, created_at)
                SELECT \(bind: kid), COALESCE(MAX(generation), 0) + 1, \(bind: key.rawRepresentation.base64URLEncodedString()), \(bind: x), \(bind: now)
                FROM signing_keys
                """
            ).run()
            try await events.append(SigningKeyPublished(kid: kid, publicKey: x), on: db)
            try await audit.record("signing-key-rotated", target: kid, on: db)
        }
        try await loadSigner()
        return kid
    }

    private func loadSigner() async throws {
        let row = try await platform.database.read { db in
            try await db.select().columns("kid", "private_key").from("signing_keys").orderBy("generation", .descending).first()
        }
        guard let row else { return }
        let kid = try row.decode(column: "kid", as: String.self)
        let privateKey = try EdDSA.PrivateKey(d: try row.decode(column: "private_key", as: String.self), curve: .ed25519)
        let keys = JWTKeyCollection()
        await keys.add(eddsa: privateKey, kid: JWKIdentifier(string: kid))
        signer.withLock { $0 = (kid, keys) }
        for key in try await all() { try await platform.verifier.addPublicKey(kid: key.kid, x: key.x) }
    }

    func all() async throws -> [PublicKey] {
        try await platform.database.read { db in
            try await db.select().columns("kid", "public_key").from("signing_keys").orderBy("generation").all().map {
                PublicKey(kid: try $0.decode(column: "kid", as: String.self), x: try $0.decode(column: "public_key", as: String.self))
            }
        }
    }

    func sign(_ claims: AccessTokenClaims) async throws -> String {
        guard let (kid, keys) = signer.withLock({ $0 }) else { throw Problem(.serviceUnavailable, detail: "No signing key is loaded.") }
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
    }
}
