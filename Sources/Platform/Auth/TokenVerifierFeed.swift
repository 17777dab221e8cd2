import Foundation
import Logging
public import ServiceLifecycle

/// Keeps this process's `TokenVerifier` current from the event log: signing keys from the whole
/// history, revocations from the last access-token lifetime. Not a durable consumer: every
/// process follows the log on its own, from memory.
public final class TokenVerifierFeed: Service {
    private let verifier: TokenVerifier
    private let log: EventLog
    private let clock: any WallClock
    private let pollInterval: Duration
    private let logger: Logger

    public init(verifier: TokenVerifier, log: EventLog, clock: any WallClock, pollInterval: Duration = .seconds(2), logger: Logger) {
        self.verifier = verifier
        self.log = log
        self.clock = clock
        self.pollInterval = pollInterval
        self.logger = logger
    }

    private var types: [String] { [SigningKeyPublished.type, SessionsRevoked.type] }

    /// Loads everything relevant so far; returns where following should continue.
    @discardableResult
    public func catchUp(from position: EventPosition = .start) async throws -> EventPosition {
        var position = position
        let revocationHorizon = clock.now().addingTimeInterval(-(verifier.accessTokenLifetime + 60))
        while true {
            let batch = try await log.read(after: position, types: types, limit: 500)
            for event in batch {
                try await apply(event, revocationHorizon: revocationHorizon)
                position = event.position
            }
            if batch.count < 500 { return position }
        }
    }

    private func apply(_ event: EventEnvelope, revocationHorizon: Date) async throws {
        switch event.type {
        case SigningKeyPublished.type:
            let key = try event.decode(SigningKeyPublished.self)
            try await verifier.addPublicKey(kid: key.kid, x: key.publicKey)
        case SessionsRevoked.type where event.occurredAt >= revocationHorizon:
            verifier.revoke(sessionIDs: try event.decode(SessionsRevoked.self).sessionIDs, at: event.occurredAt)
        default:
            break
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.follow() }
    }

    private func follow() async {
        var position = EventPosition.start
        var backoff = WakeBackoff()
        while !Task.isCancelled {
            let seen = log.database.changes.generation
            do {
                position = try await catchUp(from: position)
            } catch {
                if Task.isCancelled { return }
                logger.warning("token verifier feed could not read the event log", metadata: ["error": "\(error)"])
            }
            await log.database.changes.wait(after: seen, timeout: backoff.nextWait(poll: pollInterval))
            if log.database.changes.generation != seen { backoff.woke() }
        }
    }
}
