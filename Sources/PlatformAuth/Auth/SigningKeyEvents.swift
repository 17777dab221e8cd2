import PlatformEvents
/// Published by Identity when it creates a signing key: the public half, so that every process
/// can verify tokens without calling Identity (and without reading Identity's tables).
public struct SigningKeyPublished: DomainEvent, Equatable {
    public static let type = "identity.signing-key-published"
    public var aggregateID: String { kid }
    public let kid: String
    public let publicKey: String  // Ed25519 public key, base64url (the JWK `x`)

    public init(kid: String, publicKey: String) {
        self.kid = kid
        self.publicKey = publicKey
    }
}

/// Published when sessions end (logout, password reset, refresh-token reuse): their access
/// tokens must be refused from then on, in every process.
public struct SessionsRevoked: DomainEvent, Equatable {
    public static let type = "identity.sessions-revoked"
    public var aggregateID: String { userID }
    public let userID: String
    public let sessionIDs: [String]
    public let reason: String

    public init(userID: String, sessionIDs: [String], reason: String) {
        self.userID = userID
        self.sessionIDs = sessionIDs
        self.reason = reason
    }
}
