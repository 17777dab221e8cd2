import Contracts
import Foundation
import Hummingbird
import HummingbirdWebSocket
import PlatformAuth
import PlatformCore
import PlatformHTTP
import Synchronization

/// The server side of Engine.IO v4 and Socket.IO v5 at `/socket.io/`, enough for stock clients:
/// HTTP long-polling with the upgrade to WebSocket, and WebSocket alone; ping/pong with
/// timeouts; the default namespace, authenticated by `?authorization=<token>` or the `auth`
/// payload's `token`. Every notification of the user is emitted as the event `"message"`.
final class SocketIOServer: Sendable {
    struct Timing: Sendable {
        var pingInterval: Duration = .seconds(25)
        var pingTimeout: Duration = .seconds(20)
        /// How often a connected socket checks its session and its token's expiry.
        var grantCheck: Duration = .seconds(5)
    }

    static let path: RouterPath = "socket.io"
    /// Bytes per polling payload; the same as the request body limit.
    static let maxPayload = 64 * 1024

    let hub: NotificationHub
    let verifier: TokenVerifier
    let clock: any WallClock
    let timing: Timing
    private let sessions = Mutex<[String: EngineIOSession]>([:])

    init(hub: NotificationHub, verifier: TokenVerifier, clock: any WallClock, timing: Timing = Timing()) {
        self.hub = hub
        self.verifier = verifier
        self.clock = clock
        self.timing = timing
    }

    func addWebSocketRoutes(to router: Router<RealtimeRequestContext>) {
        router.ws(Self.path) { request, _ in
            let query = try Self.check(request)
            guard query.transport == "websocket" else { return .dontUpgrade }
            if let sid = query.sid, self.session(sid)?.transport != .polling { return .dontUpgrade }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            try await self.serveWebSocket(request: context.request, inbound: inbound, outbound: outbound)
        }
    }

    func addHTTPRoutes(to http: Router<BazaarRequestContext>) {
        http.get(Self.path) { request, _ in try await self.poll(request) }
        http.post(Self.path) { request, context in try await self.receive(request, context: context) }
    }

    // MARK: Engine.IO over HTTP long-polling

    private func poll(_ request: Request) async throws -> Response {
        let query = try Self.check(request)
        guard query.transport == "polling" else {
            throw Problem.badRequest("transport=websocket needs an Upgrade: websocket request.")
        }
        guard let sid = query.sid else {
            let session = open(handshakeToken: query.token, transport: .polling)
            return Self.text(Self.openPacket(sid: session.sid, upgrades: ["websocket"], timing: timing))
        }
        guard let session = session(sid), session.transport != .websocket else { throw Problem.badRequest("Session ID unknown.") }
        guard let packets = await session.nextPackets(timeout: timing.pingInterval + timing.pingTimeout) else {
            if session.isClosed { return Self.text("1") }
            close(session)  // a second concurrent poll breaks the protocol: end the session
            throw Problem.badRequest("Only one poll at a time.")
        }
        return Self.text(packets.isEmpty ? "6" : packets.joined(separator: String(ClientPacket.separator)))
    }

    private func receive(_ request: Request, context: BazaarRequestContext) async throws -> Response {
        let query = try Self.check(request)
        guard let sid = query.sid, let session = session(sid), session.transport != .websocket else {
            throw Problem.badRequest("Session ID unknown.")
        }
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        for packet in ClientPacket.split(Substring(String(buffer: body))) {
            await handle(packet, from: session)
        }
        return Response(status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
    }

    // MARK: Engine.IO over WebSocket

    private func serveWebSocket(request: Request, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let query = try Self.check(request)
        var messages = inbound.messages(maxSize: Self.maxPayload).makeAsyncIterator()
        let session: EngineIOSession
        if let sid = query.sid {
            // Upgrade: probe, end the pending poll with a noop, then switch on "5".
            guard let upgrading = self.session(sid), upgrading.transport == .polling,
                case .text("2probe")? = try await messages.next()
            else { return }
            try await outbound.writeTextMessage("3probe")
            upgrading.setTransport(.upgrading)
            upgrading.release(with: ["6"])
            guard case .text("5")? = try await messages.next() else {
                close(upgrading)
                return
            }
            upgrading.setTransport(.websocket)
            session = upgrading
        } else {
            session = open(handshakeToken: query.token, transport: .websocket)
            try await outbound.writeTextMessage(Self.openPacket(sid: session.sid, upgrades: [], timing: timing))
        }
        defer { close(session) }
        let writer = Task {
            while let packets = await session.nextPackets(timeout: .seconds(3600)) {
                for packet in packets { try await outbound.writeTextMessage(packet) }
            }
            try await outbound.close(.normalClosure, reason: nil)
        }
        defer { writer.cancel() }
        while case .text(let packet)? = try await messages.next() {
            await handle(Substring(packet), from: session)
        }
    }

    // MARK: packets

    /// One Engine.IO packet from the client, whichever transport carried it. CONNECT (with
    /// `auth`) and DISCONNECT matter; events from clients are not used by Bazaar.
    private func handle(_ packet: Substring, from session: EngineIOSession) async {
        switch ClientPacket(packet) {
        case .close, .disconnect: close(session)
        case .pong: session.pong()
        case .connect(let namespace?, _): session.send("44\(namespace),{\"message\":\"Invalid namespace\"}")
        case .connect(nil, let auth): await connect(session, auth: auth.map { Data($0.utf8) })
        case .ignored: break
        }
    }

    private func connect(_ session: EngineIOSession, auth: Data?) async {
        struct Auth: Decodable {
            let token: String?
            let authorization: String?
        }
        // A socket connects once: later CONNECT packets cost no signature check, and a client
        // retrying bad tokens in a loop is dropped rather than verified without end.
        guard session.userID == nil else { return }
        guard session.mayAttemptConnect() else {
            close(session)
            return
        }
        let payload = auth.flatMap { NestingLimit.allowsJSON($0) ? try? JSONDecoder().decode(Auth.self, from: $0) : nil }
        let token = (payload?.token ?? payload?.authorization ?? session.handshakeToken).map(Self.stripBearer)
        guard let token, let user = try? await verifier.verify(token) else {
            session.send(#"44{"message":"A valid access token is required (?authorization=<token> or auth.token)."}"#)
            return
        }
        guard session.connect(userID: user.id) else { return }
        session.send(#"40{"sid":"\#(UUID().uuidString.lowercased())"}"#)
        let hub = hub
        session.own(
            Task {
                let subscription = hub.subscribe(userID: user.id)
                defer { hub.unsubscribe(userID: user.id, id: subscription.id) }
                for await message in subscription.messages {
                    guard let json = try? SortedJSON.string(message) else { continue }
                    session.send(#"42["message",\#(json)]"#)
                }
            })
        let grant = RealtimeGrant(user, verifier: verifier, clock: clock)
        session.own(
            Task { [timing] in
                // A session ended elsewhere (logout, role change) or an expired token disconnects
                // the socket; the client connects again with a fresh token.
                guard (try? await grant.ended(checkingEvery: timing.grantCheck)) != nil else { return }
                session.send("41")
                try? await Task.sleep(for: .milliseconds(100))
                self.close(session)
            })
    }

    // MARK: sessions

    private func open(handshakeToken: String?, transport: EngineIOSession.Transport) -> EngineIOSession {
        let session = EngineIOSession(sid: Self.newSID(), handshakeToken: handshakeToken.map(Self.stripBearer), transport: transport)
        sessions.withLock { $0[session.sid] = session }
        let timing = timing
        session.own(
            Task {
                // Ping every interval; a pong must come within the timeout or the session ends.
                while !Task.isCancelled {
                    try? await Task.sleep(for: timing.pingInterval)
                    let sent = ContinuousClock.now
                    session.send("2")
                    while session.lastPong < sent, ContinuousClock.now < sent + timing.pingTimeout, !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                    if session.lastPong < sent {
                        self.close(session)
                        return
                    }
                }
            })
        return session
    }

    private func session(_ sid: String) -> EngineIOSession? { sessions.withLock { $0[sid] } }

    private func close(_ session: EngineIOSession) {
        sessions.withLock { _ = $0.removeValue(forKey: session.sid) }
        session.close()
    }

    // MARK: protocol helpers

    struct Query {
        let transport: String
        let sid: String?
        let token: String?
    }

    /// EIO=4 and a known transport, or a 400.
    static func check(_ request: Request) throws -> Query {
        let parameters = request.uri.queryParameters
        guard parameters["EIO"] == "4" else {
            throw Problem.badRequest("Unsupported protocol version: this server speaks Engine.IO 4 (EIO=4).")
        }
        guard let transport = parameters["transport"].map(String.init), ["polling", "websocket"].contains(transport) else {
            throw Problem.badRequest("Transport unknown: use polling or websocket.")
        }
        return Query(transport: transport, sid: parameters["sid"].map(String.init), token: parameters["authorization"].map(String.init))
    }

    static func openPacket(sid: String, upgrades: [String], timing: Timing) -> String {
        let upgradeList = upgrades.map { "\"\($0)\"" }.joined(separator: ",")
        return
            #"0{"sid":"\#(sid)","upgrades":[\#(upgradeList)],"pingInterval":\#(timing.pingInterval.milliseconds),"pingTimeout":\#(timing.pingTimeout.milliseconds),"maxPayload":\#(maxPayload)}"#
    }

    static func text(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func stripBearer(_ token: String) -> String {
        token.lowercased().hasPrefix("bearer ") ? String(token.dropFirst(7)) : token
    }

    static func newSID() -> String { Secrets.randomToken(bytes: 15) }
}

