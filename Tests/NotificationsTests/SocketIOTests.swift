import BazaarServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Socket.IO")
struct SocketIOTests {
    enum Transports: String, CaseIterable, Sendable {
        /// The stock default: long-polling first, then the upgrade.
        case upgrade = "polling,websocket"
        case polling
        case websocket

        var settlesOn: String { self == .polling ? "polling" : "websocket" }
    }

    /// Short pings, so a connection that lives a few seconds has proved several ping/pong
    /// rounds; the timeout leaves room for a loaded machine.
    static func fastPings(_ settings: inout BazaarSettings) {
        settings.notifications.pingInterval = .milliseconds(500)
        settings.notifications.pingTimeout = .milliseconds(2000)
    }

    @Test(arguments: TestEngine.allCases, Transports.allCases)
    func stockClientReceivesMessages(engine: TestEngine, transports: Transports) async throws {
        try await TestBazaar.run(engine, live: true, configure: Self.fastPings) { app in
            let admin = try await app.admin().accessToken
            let user = try await app.knownUser("sio@example.com")
            let client = try PeerProcess(
                script: "socketio_client.py",
                arguments: [
                    "--url", "http://localhost:\(app.port)", "--token", user.accessToken, "--transports", transports.rawValue, "--count",
                    "2", "--kind", "admin",
                ])
            defer { client.stop() }
            #expect(try await client.line(startingWith: "ready ") == "ready \(transports.settlesOn)")
            try await waitUntil("the server to register the socket") { app.bazaar.realtimeConnections == 1 }

            _ = try await app.postNotification(admin: admin, to: user.user.id, title: "One")
            _ = try await client.line(startingWith: "message ")
            try await Task.sleep(for: .seconds(2))  // several ping intervals pass; the socket must survive them
            _ = try await app.postNotification(admin: admin, to: user.user.id, title: "Two")
            #expect(try await client.waitForExit() == 0)
            let messages = try client.output.filter { $0.hasPrefix("message ") }.map {
                try JSONDecoder().decode(NotificationBody.self, from: Data($0.dropFirst("message ".count).utf8))
            }
            // On PostgreSQL the welcome, written just before the connection but not yet past the
            // settled horizon, may be pushed too (Socket.IO has no replay position); ours come in order.
            #expect(messages.filter { $0.kind == "admin" }.map(\.title) == ["One", "Two"])
            #expect(messages.allSatisfy { $0.kind == "admin" || $0.kind == "welcome" })
            #expect(messages.allSatisfy { $0.userId == user.user.id })
            #expect(client.output.contains("transport \(transports.settlesOn)"))
        }
    }

    @Test(arguments: TestEngine.allCases)
    func authPayloadAndRefusedTokens(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, live: true) { app in
            let admin = try await app.admin().accessToken
            let user = try await app.knownUser("payload@example.com")
            let client = try PeerProcess(
                script: "socketio_client.py",
                arguments: ["--url", "http://localhost:\(app.port)", "--token", user.accessToken, "--auth", "payload", "--kind", "admin"])
            defer { client.stop() }
            _ = try await client.line(startingWith: "ready ")
            try await waitUntil("the server to register the socket") { app.bazaar.realtimeConnections == 1 }
            _ = try await app.postNotification(admin: admin, to: user.user.id, title: "Via auth")
            #expect(try await client.waitForExit() == 0)
            #expect(client.output.contains { $0.hasPrefix("message ") && $0.contains("Via auth") })

            for auth in ["payload", "query"] {
                let refused = try PeerProcess(
                    script: "socketio_client.py",
                    arguments: ["--url", "http://localhost:\(app.port)", "--token", "not-a-token", "--auth", auth])
                defer { refused.stop() }
                _ = try await refused.line(startingWith: "connect_error ")
                #expect(try await refused.waitForExit() == 2)
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func protocolErrorsAndASilentClientIsDropped(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, configure: Self.fastPings) { app in
            let user = try await app.knownUser("raw@example.com")
            let base = "/socket.io/?EIO=4&transport=polling"
            for bad in ["/socket.io/?EIO=3&transport=polling", "/socket.io/?EIO=4&transport=carrier-pigeon", "\(base)&sid=unknown"] {
                let response = try await app.request(.get, bad)
                #expect(response.status == .badRequest, "\(bad)")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            #expect(try await app.request(.post, "\(base)&sid=unknown", json: "40").status == .badRequest)

            // A client retrying bad tokens in a loop (each a signature check) loses its session.
            let flooding = String(buffer: try await app.request(.get, base).body)
            struct Opened: Decodable { let sid: String }
            let flooded = "\(base)&sid=\(try JSONDecoder().decode(Opened.self, from: Data(flooding.dropFirst().utf8)).sid)"
            let attempts = Array(repeating: #"40{"token":"nope"}"#, count: 4).joined(separator: "\u{1e}")
            #expect(try await app.request(.post, flooded, json: attempts).status == .ok)
            #expect(try await app.request(.get, flooded).status == .badRequest)

            let open = String(buffer: try await app.request(.get, base).body)
            #expect(open.hasPrefix("0{"))
            struct Handshake: Decodable {
                let sid: String; let upgrades: [String]; let pingInterval: Int; let pingTimeout: Int; let maxPayload: Int
            }
            let handshake = try JSONDecoder().decode(Handshake.self, from: Data(open.dropFirst().utf8))
            #expect(handshake.upgrades == ["websocket"])
            #expect(handshake.pingInterval == 500)
            let session = "\(base)&sid=\(handshake.sid)"

            // Polls until a packet satisfies `match`; packets of one poll are split on \u{1e}.
            @Sendable func poll(until match: @Sendable (String) -> Bool) async throws -> String {
                for _ in 0..<20 {
                    let packets = String(buffer: try await app.request(.get, session).body).split(separator: "\u{1e}").map(String.init)
                    if let hit = packets.first(where: match) { return hit }
                }
                throw TimedOut(what: "a matching packet")
            }
            // A bad token in the connect packet: a Socket.IO connect error, not a dropped session.
            #expect(String(buffer: try await app.request(.post, session, json: #"40{"token":"nope"}"#).body) == "ok")
            _ = try await poll { $0.hasPrefix("44{") }
            #expect(String(buffer: try await app.request(.post, session, json: #"40{"token":"\#(user.accessToken)"}"#).body) == "ok")
            _ = try await poll { $0.hasPrefix("40{\"sid\":") }

            // The server pings; a client that never answers is dropped after the timeout.
            _ = try await poll { $0 == "2" }
            try await Task.sleep(for: .milliseconds(2600))
            let after = try await app.request(.get, session)
            #expect(after.status == .badRequest || String(buffer: after.body) == "1")
            #expect(try await app.request(.post, session, json: "3").status == .badRequest)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func anExpiredTokenDisconnectsTheSocket(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, configure: { $0.notifications.grantCheckInterval = .milliseconds(100) }) { app in
            let user = try await app.knownUser("short-lived@example.com")
            let base = "/socket.io/?EIO=4&transport=polling"
            let open = String(buffer: try await app.request(.get, "\(base)&authorization=\(user.accessToken)").body)
            struct Handshake: Decodable { let sid: String }
            let session = "\(base)&sid=\(try JSONDecoder().decode(Handshake.self, from: Data(open.dropFirst().utf8)).sid)"
            #expect(String(buffer: try await app.request(.post, session, json: "40").body) == "ok")
            #expect(String(buffer: try await app.request(.get, session).body).hasPrefix("40{\"sid\":"))

            // Still connected a minute before the 15-minute token expires; disconnected after it.
            app.clock.advance(by: 14 * 60)
            try await Task.sleep(for: .milliseconds(300))
            _ = try await app.postNotification(admin: try await app.admin().accessToken, to: user.user.id, title: "In time")
            // On PostgreSQL the welcome, written before the socket connected but not yet past the
            // settled horizon then, may come first (Socket.IO has no replay position): poll past it.
            var polled: [String] = []
            while polled.count < 3, polled.last?.contains("In time") != true {
                polled.append(String(buffer: try await app.request(.get, session).body))
            }
            #expect(polled.last?.contains("In time") == true, "the polls answered \(polled)")
            #expect(polled.dropLast().allSatisfy { $0.contains(#""kind":"welcome""#) }, "\(polled)")
            async let ending = app.request(.get, session)
            try await Task.sleep(for: .milliseconds(100))  // the poll is waiting when the token expires
            app.clock.advance(by: 2 * 60)
            #expect(String(buffer: try await ending.body) == "41")
            try await waitUntil("the session to end") { try await app.request(.get, session).status == .badRequest }
        }
    }
}
