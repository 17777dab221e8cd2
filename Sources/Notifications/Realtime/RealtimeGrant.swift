import Foundation
import PlatformAuth
import PlatformCore
import PlatformHTTP
import Synchronization

/// What lets a realtime connection keep receiving: the session it was opened with, until the
/// access token's expiry. Without it a stolen token would open a connection that outlives the
/// token's short life. A client may hand over a fresher token of the same user (`renew`).
final class RealtimeGrant: Sendable {
    enum Ending: Sendable {
        case revoked, expired
    }

    let userID: String
    private let credential: Mutex<AuthenticatedUser>
    private let verifier: TokenVerifier
    private let clock: any WallClock

    init(_ user: AuthenticatedUser, verifier: TokenVerifier, clock: any WallClock) {
        userID = user.id
        credential = Mutex(user)
        self.verifier = verifier
        self.clock = clock
    }

    /// Takes over a newer credential of the same user; false for anyone else's.
    func renew(with user: AuthenticatedUser) -> Bool {
        guard user.id == userID else { return false }
        credential.withLock { $0 = user }
        return true
    }

    /// Why the grant has ended, or nil while it holds.
    var ending: Ending? {
        let user = credential.withLock { $0 }
        if verifier.isRevoked(sessionID: user.sessionID) { return .revoked }
        if let expiry = user.expiresAt, clock.now() >= expiry { return .expired }
        return nil
    }

    /// Returns once the grant has ended, looking every `interval`; throws when cancelled.
    func ended(checkingEvery interval: Duration) async throws -> Ending {
        while true {
            if let ending { return ending }
            try await Task.sleep(for: interval)
        }
    }
}

extension RealtimeGrant.Ending {
    /// The reason a closing connection is given.
    var reason: String {
        switch self {
        case .revoked: "session ended"
        case .expired: "access token expired: reconnect (or send {\"token\": …}) with a fresh one"
        }
    }
}
