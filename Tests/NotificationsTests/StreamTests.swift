import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import Synchronization
import Testing
import TestSupport
@testable import Notifications

/// What a WebSocket client received, shared with the test body.
final class Received: Sendable {
    private let frames = Mutex<[String]>([])
    func append(_ frame: String) { frames.withLock { $0.append(frame) } }
    var all: [String] { frames.withLock { $0 } }
    func notifications() throws -> [NotificationBody] {
        try all.map { try JSONDecoder().decode(NotificationBody.self, from: Data($0.utf8)) }
    }
}

extension TestBazaar {
    var streamURL: String { "ws://localhost:\(port)/api/v1/notifications/stream" }

    /// Connects to the stream, collects frames until `until` holds for them (or the server
    /// closes), then closes; returns the frames. `opened` runs once the server has the connection.
    /// Welcome frames are dropped: on PostgreSQL a stream without `lastEventId` may still be sent
    /// the welcome written just before it connected (it starts at the settled horizon, preferring an
    /// old message to a missed one), and no test here is about the welcome. A frame that never
    /// comes fails the test after `timeout` (with what did come) instead of holding the suite.
    func collectStream(
        query: String = "", headers: HTTPFields = [:], first message: String? = nil, connections: Int = 1,
        timeout: Duration = .seconds(90),
        opened: @escaping @Sendable () async throws -> Void = {}, until: @escaping @Sendable ([NotificationBody]) -> Bool
    ) async throws -> (frames: [NotificationBody], close: WebSocketCloseFrame?) {
        let received = Received()
        var logger = Logger(label: "ws-test")
        logger.logLevel = .error
        let close = try await withThrowingTaskGroup(of: WebSocketCloseFrame?.self) { group in
            group.addTask { [streamURL, logger] in
                try await WebSocketClient.connect(
                    url: streamURL + query, configuration: .init(additionalHeaders: headers), logger: logger
                ) {
                    inbound, outbound, _ in
                    if let message { try await outbound.write(.text(message)) }
                    try await waitUntil("the server to register the connection") { self.bazaar.realtimeConnections >= connections }
                    try await opened()
                    for try await frame in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = frame,
                            try JSONDecoder().decode(NotificationBody.self, from: Data(text.utf8)).kind != "welcome"
                        else { continue }
                        received.append(text)
                        if until(try received.notifications()) { break }
                    }
                    try? await outbound.close(.normalClosure, reason: nil)
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TimedOut(what: "the stream frames the test waits for; it received \(received.all)")
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        return (try received.notifications(), close)
    }
}

@Suite("Notification stream (WebSocket)")
struct StreamTests {
    @Test(arguments: TestEngine.allCases)
    func liveDeliveryThenReplayOfWhatWasMissed(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, live: true) { app in
            let admin = try await app.admin().accessToken
            let user = try await app.knownUser("live@example.com")
            let userID = user.user.id

            // Live: connect with a bearer header, trigger, receive. The welcome (older) is not replayed.
            let live = try await app.collectStream(headers: [.authorization: "Bearer \(user.accessToken)"]) {
                _ = try await app.postNotification(admin: admin, to: userID, title: "Live one")
            } until: {
                $0.count == 1
            }
            #expect(live.frames.map(\.title) == ["Live one"])
            let lastSeen = live.frames[0].eventId

            // Missed while away: two notifications; reconnecting with lastEventId gets them in order, then live ones.
            try await waitUntil("the connection to close") { app.bazaar.realtimeConnections == 0 }
            _ = try await app.postNotification(admin: admin, to: userID, title: "Missed 1")
            _ = try await app.postNotification(admin: admin, to: userID, title: "Missed 2")
            let resumed = try await app.collectStream(query: "?token=\(user.accessToken)&lastEventId=\(lastSeen)") {
                _ = try await app.postNotification(admin: admin, to: userID, title: "After")
            } until: {
                $0.count == 3
            }
            #expect(resumed.frames.map(\.title) == ["Missed 1", "Missed 2", "After"])
            #expect(Set(resumed.frames.map(\.eventId)).count == 3)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func firstMessageAuthenticationAndTheRealtimePreference(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, live: true) { app in
            let admin = try await app.admin().accessToken
            let user = try await app.knownUser("first@example.com")
            let userID = user.user.id
            let token = user.accessToken
            let frames = try await app.collectStream(first: #"{"token":"\#(token)"}"#) {
                // Realtime off: the inbox gets it, the connection does not; back on: pushed.
                try await app.setPreferences(token, realtime: false)
                try await waitUntil("Notifications to apply the preference") { try await app.bazaar.consumers.lag() == 0 }
                _ = try await app.postNotification(admin: admin, to: userID, title: "Quiet")
                try await app.setPreferences(token, realtime: true)
                try await waitUntil("Notifications to apply the preference") { try await app.bazaar.consumers.lag() == 0 }
                _ = try await app.postNotification(admin: admin, to: userID, title: "Loud")
            } until: {
                $0.contains { $0.title == "Loud" }
            }
            #expect(frames.frames.map(\.title) == ["Loud"])
            #expect(try await app.inbox(token).items.map(\.title).prefix(2) == ["Loud", "Quiet"])
        }
    }

    @Test(arguments: TestEngine.allCases)
    func refusalsAndLogoutEndsTheConnection(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, live: true) { app in
            let user = try await app.knownUser("closed@example.com")
            var logger = Logger(label: "ws-test")
            logger.logLevel = .critical

            // A bad token in the header or query is refused before the upgrade; over plain HTTP it is a 401 problem.
            await #expect(throws: (any Error).self) {
                try await WebSocketClient.connect(url: app.streamURL + "?token=not-a-token", logger: logger) { _, _, _ in }
            }
            let plain = try await app.request(.get, "/api/v1/notifications/stream?token=not-a-token")
            #expect(plain.status == .unauthorized)
            #expect(plain.headers[.contentType] == "application/problem+json")
            #expect(try await app.request(.get, "/api/v1/notifications/stream", token: user.accessToken).status == .upgradeRequired)
            #expect(
                try await app.request(.get, "/api/v1/notifications/stream?lastEventId=banana", token: user.accessToken).status
                    == .badRequest)

            // A bad first message: closed with a policy violation.
            let badFirst = try await WebSocketClient.connect(url: app.streamURL, logger: logger) { inbound, outbound, _ in
                try await outbound.write(.text(#"{"token":"nope"}"#))
                for try await _ in inbound {}
            }
            #expect(badFirst?.closeCode == .policyViolation)

            // Logging out ends the session, and the server closes its connection.
            let loggedOut = try await app.collectStream(headers: [.authorization: "Bearer \(user.accessToken)"]) {
                let out = try await app.request(
                    .post, "/api/v1/auth/logout", token: user.accessToken, json: #"{"refreshToken":"\#(user.refreshToken)"}"#)
                #expect(out.status == .noContent)
            } until: { _ in
                false
            }
            #expect(loggedOut.close?.closeCode == .policyViolation)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aConnectionLastsAsLongAsItsTokenUnlessRenewed(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, live: true, configure: { $0.notifications.grantCheckInterval = .milliseconds(100) }) { app in
            let user = try await app.knownUser("expiring@example.com")
            let other = try await app.knownUser("someone-else@example.com")
            var logger = Logger(label: "ws-test")
            logger.logLevel = .critical

            let delivered = Mutex(false)
            let expired = try await WebSocketClient.connect(
                url: app.streamURL, configuration: .init(additionalHeaders: [.authorization: "Bearer \(user.accessToken)"]), logger: logger
            ) { inbound, outbound, _ in
                var frames = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                try await waitUntil("the server to register the connection") { app.bazaar.realtimeConnections == 1 }
                // Ten minutes on, the client hands over a fresh token of the same user…
                app.clock.advance(by: 600)
                let fresh = try await app.login(email: "expiring@example.com", password: "password-123")
                try await outbound.write(.text(#"{"token":"\#(fresh.accessToken)"}"#))
                // Nothing acknowledges a renewal (frames are notifications only); give the server time to read it.
                try await Task.sleep(for: .seconds(1))
                // …so once the first token (15 minutes) has expired, the connection still delivers.
                app.clock.advance(by: 600)
                try await Task.sleep(for: .milliseconds(500))  // several grant checks
                _ = try await app.postNotification(admin: try await app.admin().accessToken, to: user.user.id, title: "Still here")
                while case .text(let text)? = try await frames.next() {
                    if text.contains("Still here") {
                        delivered.withLock { $0 = true }
                        break
                    }
                }
                // Past the fresh token's expiry as well: the server closes (else the client gives up, going away).
                app.clock.advance(by: 600)
                let watchdog = Task {
                    try await Task.sleep(for: .seconds(10))
                    try await outbound.close(.goingAway, reason: "the server never closed")
                }
                defer { watchdog.cancel() }
                while try await frames.next() != nil {}
            }
            #expect(delivered.withLock { $0 })
            #expect(expired?.closeCode == .policyViolation)
            #expect(expired?.reason?.contains("expired") == true, "\(String(describing: expired?.reason))")
            try await waitUntil("the connection to be gone") { app.bazaar.realtimeConnections == 0 }

            // Another user's token is not a renewal: closed (both tokens are fresh; the first ones have expired).
            let mine = try await app.login(email: "expiring@example.com", password: "password-123").accessToken
            let theirs = try await app.login(email: other.user.email, password: "password-123").accessToken
            let hijack = try await WebSocketClient.connect(
                url: app.streamURL, configuration: .init(additionalHeaders: [.authorization: "Bearer \(mine)"]), logger: logger
            ) { inbound, outbound, _ in
                try await outbound.write(.text(#"{"token":"\#(theirs)"}"#))
                for try await _ in inbound {}
            }
            #expect(hijack?.closeCode == .policyViolation)

            // Renewals cost a signature check each: a client sending them in a loop is closed.
            let flood = try await WebSocketClient.connect(
                url: app.streamURL, configuration: .init(additionalHeaders: [.authorization: "Bearer \(mine)"]), logger: logger
            ) { inbound, outbound, _ in
                for _ in 0..<4 { try await outbound.write(.text(#"{"token":"\#(mine)"}"#)) }
                let watchdog = Task {
                    try await Task.sleep(for: .seconds(10))
                    try await outbound.close(.goingAway, reason: "the server never closed")
                }
                defer { watchdog.cancel() }
                for try await _ in inbound {}
            }
            #expect(flood?.closeCode == .policyViolation)
            #expect(flood?.reason == "too many messages")
        }
    }

    @Test func theMessageBudgetAllowsABurstThenOnePerInterval() {
        var budget = MessageBudget(burst: 3, interval: .seconds(10))
        let start = ContinuousClock.now
        #expect((0..<4).map { _ in budget.spend(now: start) } == [true, true, true, false])
        #expect(budget.spend(now: start + .seconds(9)) == false)
        #expect(budget.spend(now: start + .seconds(10)) == true)
        #expect(budget.spend(now: start + .seconds(11)) == false)
        #expect((0..<4).map { _ in budget.spend(now: start + .seconds(100)) } == [true, true, true, false])
    }
}
