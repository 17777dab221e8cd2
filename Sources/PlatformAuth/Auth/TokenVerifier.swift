public import Foundation
import JWTKit
import PlatformCore
import PlatformHTTP
import Synchronization

/// Verifies access tokens in every process: EdDSA only (the algorithm is pinned, `alg: none` and
/// HMAC tokens never verify), a known `kid`, our issuer and audience, not expired by the injected
/// clock, and a session that has not been revoked.
public final class TokenVerifier: Sendable {
    private let keys = JWTKeyCollection()
    private let knownKeyIDs = Mutex<Set<String>>([])
    /// Revoked session id → when the entry may be forgotten (no token of it can be valid then).
    private let revoked = Mutex<[String: Date]>([:])
    public let audience: TokenAudience
    public let accessTokenLifetime: TimeInterval
    private let clock: any WallClock
    private let keyLookup = Mutex<KeyLookup>(KeyLookup())
    /// How often an unknown `kid` may send this process back to the source for keys: a token
    /// signed by a key published a moment ago verifies at once, a stream of made-up kids costs
    /// one lookup per interval.
    private let keyLookupInterval: Duration
    /// Tokens that verified, by their text: a token's signature, issuer, audience and role are
    /// what they are, so they are checked once (an Ed25519 verification and a hop to the key
    /// collection's actor) rather than on every request. Expiry and revocation are checked on
    /// every use. Keys are never withdrawn, so a verified token stays verified. Emptied when
    /// full: a token then verifies once more.
    private let verified = Mutex<[String: AuthenticatedUser]>([:])
    static let verifiedLimit = 4096

    private struct KeyLookup {
        var source: (@Sendable () async -> Void)?
        var latest: (started: ContinuousClock.Instant, task: Task<Void, Never>)?
    }

    public init(audience: TokenAudience, accessTokenLifetime: TimeInterval, clock: any WallClock, keyLookupInterval: Duration = .seconds(1))
    {
        self.audience = audience
        self.keyLookupInterval = keyLookupInterval
        self.accessTokenLifetime = accessTokenLifetime
        self.clock = clock
    }

    public func addPublicKey(kid: String, x: String) async throws {
        let isNew = knownKeyIDs.withLock { $0.insert(kid).inserted }
        guard isNew else { return }
        await keys.add(eddsa: try EdDSA.PublicKey(x: x, curve: .ed25519), kid: JWKIdentifier(string: kid))
    }

    public var keyIDs: Set<String> { knownKeyIDs.withLock { $0 } }

    /// Where keys this process has not seen yet are looked up (the event log, read directly),
    /// so a process does not refuse a valid token while its feed is still catching up.
    public func setKeySource(_ source: @escaping @Sendable () async -> Void) {
        keyLookup.withLock { $0.source = source }
    }

    /// Whether `kid` is known, after at most one lookup per interval shared by all callers
    /// (callers arriving while a lookup runs wait for that one).
    private func learnKey(_ kid: String) async -> Bool {
        let now = ContinuousClock.now
        let lookup: Task<Void, Never>? = keyLookup.withLock { state in
            if let latest = state.latest, now - latest.started < keyLookupInterval { return latest.task }
            guard let source = state.source else { return nil }
            let task = Task { await source() }
            state.latest = (now, task)
            return task
        }
        await lookup?.value
        return keyIDs.contains(kid)
    }

    public func revoke(sessionIDs: [String], at date: Date) {
        let forgetAt = date.addingTimeInterval(accessTokenLifetime + 60)
        revoked.withLock { map in
            for id in sessionIDs { map[id] = forgetAt }
            let now = clock.now()
            map = map.filter { $0.value > now }
        }
    }

    public func isRevoked(sessionID: String) -> Bool {
        revoked.withLock { $0[sessionID] != nil }
    }

    public enum Failure: Error {
        case malformed, wrongAlgorithm, unknownKey, badSignature, wrongIssuer, wrongAudience, expired, revoked, badRole
    }

    public func verify(_ token: String) async throws -> AuthenticatedUser {
        if let user = verified.withLock({ $0[token] }) {
            guard let expiresAt = user.expiresAt, expiresAt > clock.now() else { throw Failure.expired }
            guard !isRevoked(sessionID: user.sessionID) else { throw Failure.revoked }
            return user
        }
        let header = try Self.header(of: token)
        guard header.alg == "EdDSA" else { throw Failure.wrongAlgorithm }
        guard let kid = header.kid else { throw Failure.unknownKey }
        if !keyIDs.contains(kid) {
            guard await learnKey(kid) else { throw Failure.unknownKey }
        }
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw Failure.badSignature
        }
        guard claims.iss.value == audience.issuer else { throw Failure.wrongIssuer }
        guard claims.aud.value.contains(audience.audience) else { throw Failure.wrongAudience }
        guard claims.exp.value > clock.now() else { throw Failure.expired }
        guard !isRevoked(sessionID: claims.sid) else { throw Failure.revoked }
        guard let role = Role(rawValue: claims.role) else { throw Failure.badRole }
        let user = AuthenticatedUser(id: claims.sub.value, role: role, sessionID: claims.sid, expiresAt: claims.exp.value)
        verified.withLock { verified in
            if verified.count >= Self.verifiedLimit { verified.removeAll(keepingCapacity: true) }
            verified[token] = user
        }
        return user
    }

    private struct Header: Decodable {
        let alg: String?
        let kid: String?
    }

    private static func header(of token: String) throws -> Header {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = Data(base64URLEncoded: String(parts[0])), NestingLimit.allowsJSON(data) else {
            throw Failure.malformed
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else { throw Failure.malformed }
        return header
    }
}
