import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import Platform
import Testing
import TestSupport

@Suite("Rate limits")
struct RateLimitTests {
    static func from(_ address: String) -> HTTPFields { [.xForwardedFor: address] }

    @Test(arguments: TestEngine.allCases)
    func authRoutesArePerAddressAndRefillOverTime(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, configure: { $0.authRequestsPerMinute = 3 }) { app in
            let login = #"{"email":"nobody@example.com","password":"wrong-password"}"#
            for remaining in [2, 1, 0] {
                let answer = try await app.request(.post, "/api/v1/auth/login", json: login, headers: Self.from("10.0.0.1"))
                #expect(answer.status == .unauthorized)  // refused by Identity, counted by the limiter
                #expect(answer.headers[.rateLimitPolicy] == #""auth";q=3;w=60"#)
                #expect(answer.headers[.rateLimit]?.hasPrefix(#""auth";r=\#(remaining);"#) == true, "\(answer.headers)")
            }
            let refused = try await app.request(.post, "/api/v1/auth/login", json: login, headers: Self.from("10.0.0.1"))
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(refused.headers[.retryAfter] == "20")  // one token every 60/3 s
            #expect(refused.headers[.rateLimit] == #""auth";r=0;t=20"#)

            // Another address has its own bucket; time refills the first one.
            #expect(try await app.request(.post, "/api/v1/auth/login", json: login, headers: Self.from("10.0.0.2")).status == .unauthorized)
            app.clock.advance(by: 20)
            #expect(try await app.request(.post, "/api/v1/auth/login", json: login, headers: Self.from("10.0.0.1")).status == .unauthorized)
            #expect(
                try await app.request(.post, "/api/v1/auth/login", json: login, headers: Self.from("10.0.0.1")).status == .tooManyRequests)

            let metrics = String(buffer: try await app.request(.get, "/metrics").body)
            #expect(metrics.contains(#"bazaar_rate_limited_total{policy="auth"}"#))
        }
    }

    @Test(arguments: TestEngine.allCases)
    func apiRoutesArePerUserThenPerAddress(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, configure: { $0.apiRequestsPerMinute = 4 }) { app in
            let ann = try await app.register(email: "ann@example.com")
            let bob = try await app.register(email: "bob@example.com")
            let office = Self.from("192.0.2.7")
            for _ in 0..<4 {
                #expect(try await app.request(.get, "/api/v1/users/me", token: ann.accessToken, headers: office).status == .ok)
            }
            let refused = try await app.request(.get, "/api/v1/users/me", token: ann.accessToken, headers: office)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "15")
            // Bob shares Ann's address but not her bucket; anonymous callers are counted by address.
            #expect(try await app.request(.get, "/api/v1/users/me", token: bob.accessToken, headers: office).status == .ok)
            let missing = try await app.request(.get, "/api/v1/products/no-such-product", headers: office)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.rateLimit]?.hasPrefix(#""api";r=3;"#) == true, "error answers carry the state too")
            // Operational endpoints are not limited.
            for _ in 0..<10 { #expect(try await app.request(.get, "/health/live").headers[.rateLimit] == nil) }
        }
    }
}

/// Opening realtime connections is limited per address, on the WebSocket router too (upgrades
/// never pass the HTTP middleware): a refused upgrade gets the 429 with its headers.
@Suite("Rate limits: realtime")
struct RealtimeRateLimitTests {
    @Test(arguments: TestEngine.allCases)
    func newConnectionsArePerAddress(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, live: true, configure: { $0.realtimeConnectionsPerMinute = 2 }) { app in
            let user = try await app.register(email: "rt@example.com")
            var logger = Logger(label: "realtime-limit")
            logger.logLevel = .critical
            let stream = "ws://127.0.0.1:\(app.port)/api/v1/notifications/stream"
            func connect(from address: String) async throws {
                try await WebSocketClient.connect(
                    url: stream,
                    configuration: .init(additionalHeaders: [.authorization: "Bearer \(user.accessToken)", .xForwardedFor: address]),
                    logger: logger
                ) { _, outbound, _ in
                    try await outbound.close(.normalClosure, reason: nil)
                }
            }
            try await connect(from: "198.51.100.1")
            try await connect(from: "198.51.100.1")
            await #expect(throws: (any Error).self) { try await connect(from: "198.51.100.1") }
            // The same refusal over plain HTTP shows the headers; a Socket.IO handshake shares the bucket.
            let refused = try await app.request(
                .get, "/api/v1/notifications/stream", token: user.accessToken, headers: RateLimitTests.from("198.51.100.1"))
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.rateLimitPolicy] == #""realtime";q=2;w=60"#)
            #expect(refused.headers[.retryAfter] != nil)
            #expect(
                try await app.request(.get, "/socket.io/?EIO=4&transport=polling", headers: RateLimitTests.from("198.51.100.1")).status
                    == .tooManyRequests)

            // Another address is not affected; an open Socket.IO session's polls are not counted.
            try await connect(from: "198.51.100.2")
            let handshake = try await app.request(.get, "/socket.io/?EIO=4&transport=polling", headers: RateLimitTests.from("198.51.100.3"))
            #expect(handshake.status == .ok)
            struct Open: Decodable { let sid: String }
            let sid = try JSONDecoder().decode(Open.self, from: Data(String(buffer: handshake.body).dropFirst().utf8)).sid
            for _ in 0..<3 {
                let posted = try await app.request(
                    .post, "/socket.io/?EIO=4&transport=polling&sid=\(sid)", json: "3", headers: RateLimitTests.from("198.51.100.3"))
                #expect(posted.status != .tooManyRequests)
            }
            // Time refills the bucket.
            app.clock.advance(by: 30)
            try await connect(from: "198.51.100.1")
        }
    }
}
