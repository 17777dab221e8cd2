import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing
import TestSupport

@Suite("Register, login, refresh, logout")
struct AuthFlowTests {
    @Test(arguments: TestEngine.allCases)
    func fullSessionLifecycle(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let registered = try await app.register(email: "Ann@Example.com", name: "Ann")
            #expect(registered.user.email == "ann@example.com")
            #expect(registered.user.role == "user")

            let me = try await app.request(.get, "/api/v1/users/me", token: registered.accessToken)
            #expect(me.status == .ok)
            #expect(!me.text.contains("password"))
            #expect(!me.text.contains("$2b$"))

            let login = try await app.login(email: "ANN@example.com", password: "password-123")
            let refreshed = try await app.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(login.refreshToken)"}"#)
            #expect(refreshed.status == .ok)
            let pair = try refreshed.decode(Session.self)
            #expect(pair.refreshToken != login.refreshToken)

            // Both used before the logout: a token already verified (and remembered as such) is
            // refused once its session ends, like one never seen.
            #expect(try await app.request(.get, "/api/v1/users/me", token: pair.accessToken).status == .ok)
            #expect(try await app.request(.get, "/api/v1/users/me", token: login.accessToken).status == .ok)
            let logout = try await app.request(.post, "/api/v1/auth/logout", json: #"{"refreshToken":"\#(pair.refreshToken)"}"#)
            #expect(logout.status == .noContent)
            // The session's access tokens (old and new) stop working, and so does its refresh token.
            #expect(try await app.request(.get, "/api/v1/users/me", token: pair.accessToken).status == .unauthorized)
            #expect(try await app.request(.get, "/api/v1/users/me", token: login.accessToken).status == .unauthorized)
            let again = try await app.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(pair.refreshToken)"}"#)
            #expect(again.status == .unauthorized)
            // Other sessions of the same user are untouched.
            #expect(try await app.request(.get, "/api/v1/users/me", token: registered.accessToken).status == .ok)
        }
    }

    /// bcrypt alone would read only the first 72 bytes: 30 Cyrillic letters (60 bytes) and a
    /// suffix that differs after byte 72 must be two different passwords.
    @Test(arguments: TestEngine.allCases)
    func passwordsLongerThanBcryptReadsCountEveryCharacter(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let stem = String(repeating: "ж", count: 30) + "-passphrase-"
            let password = stem + "one"
            let registered = try await app.request(
                .post, "/api/v1/auth/register", json: #"{"email":"long@example.com","password":"\#(password)","name":"Long"}"#)
            #expect(registered.status == .created)
            let login = try await app.request(
                .post, "/api/v1/auth/login", json: #"{"email":"long@example.com","password":"\#(password)"}"#)
            #expect(login.status == .ok)
            let sibling = try await app.request(
                .post, "/api/v1/auth/login", json: #"{"email":"long@example.com","password":"\#(stem)two"}"#)
            #expect(sibling.status == .unauthorized)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func reusedRefreshTokenRevokesTheSession(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "reuse@example.com")
            let first = try await app.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#)
            let next = try first.decode(Session.self)
            let replay = try await app.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#)
            #expect(replay.status == .unauthorized)
            // The thief's replay ended the session: the rotated token and its access token die too.
            let rotated = try await app.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(next.refreshToken)"}"#)
            #expect(rotated.status == .unauthorized)
            #expect(try await app.request(.get, "/api/v1/users/me", token: next.accessToken).status == .unauthorized)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func concurrentRefreshesOfOneTokenAtMostOneWins(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "race@example.com")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await app.request(.post, "/api/v1/auth/refresh", json: #"{"refreshToken":"\#(session.refreshToken)"}"#).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count <= 1)
            #expect(statuses.allSatisfy { $0 == .ok || $0 == .unauthorized })
        }
    }

    @Test(arguments: TestEngine.allCases)
    func concurrentRegistrationsOfOneEmailExactlyOneWins(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let email = index.isMultiple(of: 2) ? "twin@example.com" : "TWIN@example.com"
                        return try await app.request(
                            .post, "/api/v1/auth/register", json: #"{"email":"\#(email)","password":"password-123","name":"T"}"#
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 7)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func duplicateEmailIsAConflictCaseInsensitively(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            _ = try await app.register(email: "bob@example.com")
            let duplicate = try await app.request(
                .post, "/api/v1/auth/register", json: #"{"email":"BOB@Example.COM","password":"password-123","name":"B"}"#)
            #expect(duplicate.status == .conflict)
            #expect(try duplicate.problem().status == 409)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func wrongPasswordAndUnknownEmailGiveTheSameAnswer(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            _ = try await app.register(email: "carol@example.com")
            let wrong = try await app.request(
                .post, "/api/v1/auth/login", json: #"{"email":"carol@example.com","password":"nope-nope-nope"}"#)
            let unknown = try await app.request(
                .post, "/api/v1/auth/login", json: #"{"email":"nobody@example.com","password":"nope-nope-nope"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(try wrong.problem().detail == unknown.problem().detail)
        }
    }

    /// Five failures from one address lock that address out of that account (429, Retry-After),
    /// while the owner elsewhere still logs in: a stranger cannot lock an account, the admin's
    /// included.
    @Test(arguments: TestEngine.allCases)
    func repeatedFailuresLockTheAddressOutOfTheAccountNotTheOwner(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            _ = try await app.register(email: "dave@example.com")
            let attacker: HTTPFields = [.init("X-Forwarded-For")!: "203.0.113.7"]
            let owner: HTTPFields = [.init("X-Forwarded-For")!: "198.51.100.20"]
            for _ in 0..<5 {
                let failed = try await app.request(
                    .post, "/api/v1/auth/login", json: #"{"email":"dave@example.com","password":"wrong-password"}"#, headers: attacker)
                #expect(failed.status == .unauthorized)
            }
            let locked = try await app.request(
                .post, "/api/v1/auth/login", json: #"{"email":"dave@example.com","password":"password-123"}"#, headers: attacker)
            #expect(locked.status == .tooManyRequests)
            let retryAfter = try #require(locked.headers[.retryAfter].flatMap(Int.init))
            #expect(retryAfter > 0 && retryAfter <= 900)
            #expect(
                try await app.request(
                    .post, "/api/v1/auth/login", json: #"{"email":"dave@example.com","password":"password-123"}"#, headers: owner
                ).status == .ok)
            app.clock.advance(by: 901)
            #expect(
                try await app.request(
                    .post, "/api/v1/auth/login", json: #"{"email":"dave@example.com","password":"password-123"}"#, headers: attacker
                ).status == .ok)
        }
    }

    /// Many addresses guessing one account (one failure each, under every address limit) slow
    /// every attempt on it down once it has failed five times, and the admin still logs in.
    @Test(arguments: TestEngine.allCases)
    func aDistributedGuesserSlowsTheAccountButNeverLocksTheAdminOut(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let wrong = #"{"email":"\#(TestBazaar.adminEmail)","password":"wrong-password"}"#
            for address in 0..<7 {
                let failed = try await app.request(
                    .post, "/api/v1/auth/login", json: wrong, headers: [.init("X-Forwarded-For")!: "203.0.113.\(address)"])
                #expect(failed.status == .unauthorized)
            }
            let started = ContinuousClock.now
            let admin = try await app.admin()
            let waited = ContinuousClock.now - started
            #expect(!admin.accessToken.isEmpty)
            #expect(waited >= .seconds(1), "the eighth attempt on an account with seven recent failures waits 250 ms × 2²")
            // The owner's success clears the account's count, so the next login is not delayed;
            // the guessing addresses keep theirs.
            let keys = try await app.bazaar.platform.database.read { db in
                try await db.raw("SELECT throttle_key FROM login_throttle").all().map {
                    try $0.decode(column: "throttle_key", as: String.self)
                }
            }
            #expect(!keys.contains("account:\(TestBazaar.adminEmail)"))
            #expect(keys.filter { $0.hasPrefix("address:") }.count == 7)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func oneClientAddressFailingAcrossAccountsIsThrottled(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            _ = try await app.register(email: "erin@example.com")
            let attacker: HTTPFields = [.init("X-Forwarded-For")!: "203.0.113.9"]
            for index in 0..<20 {
                let body = #"{"email":"victim\#(index)@example.com","password":"wrong-password"}"#
                #expect(try await app.request(.post, "/api/v1/auth/login", json: body, headers: attacker).status == .unauthorized)
            }
            let blocked = try await app.request(
                .post, "/api/v1/auth/login", json: #"{"email":"erin@example.com","password":"password-123"}"#, headers: attacker)
            #expect(blocked.status == .tooManyRequests)
            let elsewhere = try await app.request(
                .post, "/api/v1/auth/login", json: #"{"email":"erin@example.com","password":"password-123"}"#)
            #expect(elsewhere.status == .ok)
        }
    }
}
