import Foundation
import Logging
import PlatformCore
import PlatformEvents
public import ServiceLifecycle

/// Keeps this process's `TokenVerifier` current from the event log: signing keys from the whole
/// history, revocations from the last access-token lifetime. Not a durable consumer: every
/// process follows the log on its own, from memory.
public final class TokenVerifierFeed: Service {
    private let verifier: TokenVerifier
    private let follower: EventFollower
    private let clock: any WallClock

    public init(verifier: TokenVerifier, log: EventLog, clock: any WallClock, pollInterval: Duration = .seconds(2), logger: Logger) {
        self.verifier = verifier
        self.clock = clock
        follower = EventFollower(
            log: log, types: [SigningKeyPublished.type, SessionsRevoked.type], pollInterval: pollInterval, logger: logger)
        // A token can arrive signed by a key published a moment ago: the lookup reads what is
        // committed, not only what the follower's settled horizon has reached.
        verifier.setKeySource { [weak verifier] in
            guard let verifier else { return }
            do {
                for event in try await log.committed(types: [SigningKeyPublished.type]) { try await Self.addKey(event, to: verifier) }
            } catch {
                logger.warning("could not look up signing keys", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Loads everything relevant so far; returns where following should continue.
    @discardableResult
    public func catchUp(from position: EventPosition = .start) async throws -> EventPosition {
        let revocationHorizon = clock.now().addingTimeInterval(-(verifier.accessTokenLifetime + 60))
        return try await follower.catchUp(from: position) { try await self.apply($0, revocationHorizon: revocationHorizon) }
    }

    private func apply(_ event: EventEnvelope, revocationHorizon: Date) async throws {
        switch event.type {
        case SigningKeyPublished.type:
            try await Self.addKey(event, to: verifier)
        case SessionsRevoked.type where event.occurredAt >= revocationHorizon:
            verifier.revoke(sessionIDs: try event.decode(SessionsRevoked.self).sessionIDs, at: event.occurredAt)
        default:
            break
        }
    }

    private static func addKey(_ event: EventEnvelope, to verifier: TokenVerifier) async throws {
        let key = try event.decode(SigningKeyPublished.self)
        try await verifier.addPublicKey(kid: key.kid, x: key.publicKey)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // Revocations older than a token's lifetime no longer matter, so the horizon is
            // taken per catch-up, as on start-up.
            await self.follower.follow(from: .start) { event in
                try await self.apply(
                    event, revocationHorizon: self.clock.now().addingTimeInterval(-(self.verifier.accessTokenLifetime + 60)))
            }
        }
    }
}
