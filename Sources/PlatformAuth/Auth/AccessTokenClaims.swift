public import JWTKit

/// The claims of an access token. Checked by `TokenVerifier` against the injected clock, so the
/// payload's own `verify` only checks shape.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var iss: IssuerClaim
    public var aud: AudienceClaim
    public var sub: SubjectClaim
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim
    public var jti: IDClaim
    public var role: String
    public var sid: String

    public init(
        iss: IssuerClaim, aud: AudienceClaim, sub: SubjectClaim, exp: ExpirationClaim, iat: IssuedAtClaim, jti: IDClaim, role: String,
        sid: String
    ) {
        self.iss = iss
        self.aud = aud
        self.sub = sub
        self.exp = exp
        self.iat = iat
        self.jti = jti
        self.role = role
        self.sid = sid
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Issuer and audience every token is minted for and checked against.
public struct TokenAudience: Sendable, Equatable {
    public let issuer: String
    public let audience: String
    public init(issuer: String = "bazaar", audience: String = "bazaar-api") {
        self.issuer = issuer
        self.audience = audience
    }
}
