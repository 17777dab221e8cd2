import Contracts
import Foundation
import Platform
import SQLKit

/// Counts failed logins per account and per client address in the database (so every Identity
/// process shares the count) and locks a key out for a while once it failed too often.
struct LoginThrottle: Sendable {
    struct Policy: Sendable {
        var accountFailures = 5
        var addressFailures = 20
        var window: TimeInterval = 15 * 60
        var lockout: TimeInterval = 15 * 60
    }

    let database: any Database
    let clock: any WallClock
    let policy: Policy

    /// Seconds until the earliest of the keys unlocks, or nil when none is locked.
    func lockedFor(account: String, address: String) async throws -> Int? {
        let now = clock.now().millisecondsSince1970
        let keys = [Self.key(account: account), Self.key(address: address)]
        return try await database.read { db in
            var query = SQLQueryString("SELECT MAX(locked_until) AS until FROM login_throttle WHERE locked_until > \(bind: now) AND throttle_key IN ")
            query.appendBindList(keys)
            guard let until = try await db.raw(query).first()?.decode(column: "until", as: Int64?.self) else { return nil }
            return max(1, Int((until - now + 999) / 1000))
        }
    }

    /// Records a failure; returns true when this failure locked the account.
    @discardableResult
    func recordFailure(account: String, address: String) async throws -> Bool {
        let now = clock.now().millisecondsSince1970
        let windowStart = now - Int64(policy.window * 1000)
        let lockUntil = now + Int64(policy.lockout * 1000)
        return try await database.transaction { db in
            var lockedAccount = false
            for (key, limit) in [(Self.key(account: account), policy.accountFailures), (Self.key(address: address), policy.addressFailures)] {
                let row = try await db.raw(
                    """
                    INSERT INTO login_throttle (throttle_key, failures, window_start) VALUES (\(bind: key), 1, \(bind: now))
                    ON CONFLICT (throttle_key) DO UPDATE SET
                        failures = CASE WHEN login_throttle.window_start < \(bind: windowStart) THEN 1 ELSE login_throttle.failures + 1 END,
                        window_start = CASE WHEN login_throttle.window_start < \(bind: windowStart) THEN \(bind: now) ELSE login_throttle.window_start END
                    RETURNING failures
                    """
                ).first()
                if let failures = try row?.decode(column: "failures", as: Int.self), failures >= limit {
                    try await db.raw("UPDATE login_throttle SET locked_until = \(bind: lockUntil), failures = 0, window_start = \(bind: now) WHERE throttle_key = \(bind: key)").run()
                    if key.hasPrefix("account:") { lockedAccount = true }
                }
            }
            return lockedAccount
        }
    }

    func recordSuccess(account: String) async throws {
        try await database.transaction { db in
            try await db.delete(from: "login_throttle").where("throttle_key", .equal, Self.key(account: account)).run()
        }
    }

    private static func key(account: String) -> String { "account:\(account)" }
    private static func key(address: String) -> String { "address:\(address)" }
}
