import Contracts
import Foundation
import PlatformCore
import PlatformDatabase
import SQLKit

/// Failed logins, counted in the database (so every Identity process shares the counts) under
/// three keys, so that an attacker slows themself and never locks the owner out:
/// - one account from one address: locked after `accountFailures` (the attacker guessing there);
/// - one address across accounts: locked after `addressFailures` (one client spraying accounts);
/// - one account from anywhere: never locked; each attempt waits a delay that grows with the
///   failures (a distributed guesser gets a few attempts a second at most, while the owner, from
///   an address that has not failed, logs in after at most `maxDelay`).
struct LoginThrottle: Sendable {
    struct Policy: Sendable {
        var accountFailures = 5
        var addressFailures = 20
        var window: TimeInterval = 15 * 60
        var lockout: TimeInterval = 15 * 60
        /// The first delayed attempt waits this long; each further failure doubles it.
        var firstDelay: Duration = .milliseconds(250)
        var maxDelay: Duration = .seconds(4)
    }

    /// What a failure changed.
    struct Outcome: Sendable {
        /// This failure locked the address out of the account (or out of every account).
        var lockedPair = false
        var lockedAddress = false
    }

    let database: any Database
    let clock: any WallClock
    let policy: Policy

    /// What an attempt on `account` from `address` meets: seconds until that address may try it
    /// again (nil: it may now), and how long the attempt waits before its password is checked —
    /// nothing until the account has failed `accountFailures` times in the window, then doubling
    /// to `maxDelay`. One read of the three keys.
    struct Verdict: Sendable {
        var lockedFor: Int?
        var delay: Duration
    }

    func check(account: String, address: String) async throws -> Verdict {
        let now = clock.now().millisecondsSince1970
        let windowStart = now - Int64(policy.window * 1000)
        let accountKey = Self.key(account: account)
        let rows = try await database.read { db in
            var query = SQLQueryString(
                "SELECT throttle_key, failures, window_start, locked_until FROM login_throttle WHERE throttle_key IN ")
            query.appendBindList([accountKey, Self.key(account: account, address: address), Self.key(address: address)])
            return try await db.raw(query).all()
        }
        var verdict = Verdict(lockedFor: nil, delay: .zero)
        for row in rows {
            if try row.decode(column: "throttle_key", as: String.self) == accountKey {
                if try row.decode(column: "window_start", as: Int64.self) >= windowStart {
                    verdict.delay = Self.delay(afterFailures: try row.decode(column: "failures", as: Int.self), policy: policy)
                }
            } else if let until = try row.decode(column: "locked_until", as: Int64?.self), until > now {
                verdict.lockedFor = max(verdict.lockedFor ?? 0, max(1, Int((until - now + 999) / 1000)))
            }
        }
        return verdict
    }

    static func delay(afterFailures failures: Int, policy: Policy) -> Duration {
        let over = failures - policy.accountFailures
        guard over >= 0 else { return .zero }
        // 2^over overflows nothing: the shift is capped well before the delay reaches its bound.
        let doubled = policy.firstDelay * (1 << min(over, 20))
        return min(doubled, policy.maxDelay)
    }

    /// Counts a failure under all three keys and locks the pair or the address at its limit.
    func recordFailure(account: String, address: String) async throws -> Outcome {
        let now = clock.now().millisecondsSince1970
        let windowStart = now - Int64(policy.window * 1000)
        let lockUntil = now + Int64(policy.lockout * 1000)
        let limits: [(key: String, limit: Int?)] = [
            (Self.key(account: account, address: address), policy.accountFailures),
            (Self.key(address: address), policy.addressFailures),
            (Self.key(account: account), nil),
        ]
        return try await database.transaction { db in
            var outcome = Outcome()
            for (key, limit) in limits {
                let row = try await db.raw(
                    """
                    INSERT INTO login_throttle (throttle_key, failures, window_start) VALUES (\(bind: key), 1, \(bind: now))
                    ON CONFLICT (throttle_key) DO UPDATE SET
                        failures = CASE WHEN login_throttle.window_start < \(bind: windowStart) THEN 1 ELSE login_throttle.failures + 1 END,
                        window_start = CASE WHEN login_throttle.window_start < \(bind: windowStart) THEN \(bind: now) ELSE login_throttle.window_start END
                    RETURNING failures
                    """
                ).first()
                guard let limit, let failures = try row?.decode(column: "failures", as: Int.self), failures >= limit else { continue }
                try await db.raw(
                    "UPDATE login_throttle SET locked_until = \(bind: lockUntil), failures = 0, window_start = \(bind: now) WHERE throttle_key = \(bind: key)"
                ).run()
                if key.hasPrefix("pair:") { outcome.lockedPair = true } else { outcome.lockedAddress = true }
            }
            return outcome
        }
    }

    /// A correct password clears the account's count and this address's count on it; the
    /// address's count across accounts stays (a sprayer that guessed one account right is still
    /// a sprayer).
    func recordSuccess(account: String, address: String) async throws {
        try await database.transaction { db in
            var query = SQLQueryString("DELETE FROM login_throttle WHERE throttle_key IN ")
            query.appendBindList([Self.key(account: account), Self.key(account: account, address: address)])
            try await db.raw(query).run()
        }
    }

    private static func key(account: String) -> String { "account:\(account)" }
    private static func key(address: String) -> String { "address:\(address)" }
    private static func key(account: String, address: String) -> String { "pair:\(account)|\(address)" }
}
