import Contracts
import Foundation
import Hummingbird
import HummingbirdWebSocket
import PlatformAuth
import PlatformCore
import PlatformHTTP

/// `GET /api/v1/notifications/stream`: one JSON text frame per notification. The token comes
/// as a bearer header, a `token` query item, or a first message `{"token": …}` (browsers cannot
/// set headers on a WebSocket). `lastEventId` (query or first message) replays what was missed.
/// The connection lasts as long as its access token; `{"token": …}` sent on it later hands over
/// a fresh token of the same user, else it is closed (1008) when the token expires.
struct NotificationStream: Sendable {
    static let path: RouterPath = "api/v1/notifications/stream"
    static let apiPath: RouterPath = "notifications/stream"
    let hub: NotificationHub
    let inbox: Inbox
    let verifier: TokenVerifier
    let clock: any WallClock
    /// How often a connection checks that its session was not ended (logout, role change) and
    /// its token has not expired.
    let grantCheck: Duration
    /// How long a connection without a token may take to send its first message.
    let authenticationTimeout: Duration = .seconds(10)

    struct FirstMessage: Decodable {
        let token: String
        let lastEventId: String?
    }

    func addWebSocketRoutes(to router: Router<RealtimeRequestContext>) {
        router.ws(Self.path) { request, _ in
            // Refusals here are answered by the main router's route below, as problem+json.
            _ = try Self.lastEventID(request.uri.queryParameters["lastEventId"].map(String.init))
            if let token = try request.realtimeToken() { _ = try await verifier.verify(token) }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            try await serve(request: context.request, inbound: inbound, outbound: outbound)
        }
    }

    /// What a request that was not upgraded gets: 401 for a bad token, else 426.
    func addHTTPRoutes(to http: RouterGroup<BazaarRequestContext>) {
        http.get(Self.apiPath) { request, _ -> Response in
            _ = try Self.lastEventID(request.uri.queryParameters["lastEventId"].map(String.init))
            if let token = try request.realtimeToken() {
                do { _ = try await verifier.verify(token) } catch { throw Problem.unauthorized }
            }
            throw Problem(
                .upgradeRequired, detail: "This endpoint speaks WebSocket; connect with an Upgrade: websocket request.",
                headers: [.upgrade: "websocket"])
        }
    }

    private func serve(request: Request, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        var messages = inbound.messages(maxSize: 16 * 1024).makeAsyncIterator()
        let user: AuthenticatedUser
        var resumeFrom = try Self.lastEventID(request.uri.queryParameters["lastEventId"].map(String.init))
        if let token = try request.realtimeToken() {
            user = try await verifier.verify(token)
        } else {
            // A client that never says who it is gets closed, which ends the wait below.
            let deadline = Task { [authenticationTimeout] in
                try await Task.sleep(for: authenticationTimeout)
                try await outbound.close(.policyViolation, reason: "authentication timed out")
            }
            let first = try await messages.next()
            deadline.cancel()
            guard case .text(let text)? = first, NestingLimit.allowsJSON(text.utf8),
                let hello = try? JSONDecoder().decode(FirstMessage.self, from: Data(text.utf8)),
                let verified = try? await verifier.verify(hello.token)
            else {
                try await outbound.close(.policyViolation, reason: "authentication required: send {\"token\": \"<access token>\"}")
                return
            }
            user = verified
            if let resume = hello.lastEventId {
                guard let position = StreamPosition(resume) else {
                    try await outbound.close(.policyViolation, reason: "lastEventId is not valid")
                    return
                }
                resumeFrom = position
            }
        }

        let subscription = hub.subscribe(userID: user.id)
        defer { hub.unsubscribe(userID: user.id, id: subscription.id) }
        // Subscribed first, then replayed, so nothing falls between the two; live messages the
        // replay already sent are skipped by position. Without `lastEventId` only what comes
        // from now on is sent.
        var after: StreamPosition
        if let resumeFrom { after = resumeFrom } else { after = try await inbox.latestPosition(userID: user.id) }
        while resumeFrom != nil {
            let missed = try await inbox.replay(userID: user.id, after: after, limit: 500)
            for message in missed { try await outbound.writeTextMessage(try Self.frame(message)) }
            after = missed.last?.streamPosition ?? after
            if missed.count < 500 { break }
        }
        let start = after
        let forwarder = Task {
            var sent = start
            for await message in subscription.messages where message.streamPosition > sent {
                try await outbound.writeTextMessage(try Self.frame(message))
                sent = message.streamPosition
            }
        }
        let grant = RealtimeGrant(user, verifier: verifier, clock: clock)
        let grantWatch = Task { [grantCheck] in
            let ending = try await grant.ended(checkingEvery: grantCheck)
            try await outbound.close(.policyViolation, reason: ending.reason)
        }
        defer {
            forwarder.cancel()
            grantWatch.cancel()
        }
        // The only message a client sends later is a fresh token; reading also notices the close.
        var budget = MessageBudget()
        while let message = try await messages.next() {
            guard budget.spend() else {
                try await outbound.close(.policyViolation, reason: "too many messages")
                return
            }
            guard case .text(let text) = message, NestingLimit.allowsJSON(text.utf8),
                let renewal = try? JSONDecoder().decode(Renewal.self, from: Data(text.utf8)),
                let renewed = try? await verifier.verify(renewal.token), grant.renew(with: renewed)
            else {
                try await outbound.close(.policyViolation, reason: "expected {\"token\": \"<access token of the same user>\"}")
                return
            }
        }
    }

    struct Renewal: Decodable {
        let token: String
    }

    static func frame(_ message: NotificationMessage) throws -> String {
        try SortedJSON.string(message)
    }

    static func lastEventID(_ text: String?) throws -> StreamPosition? {
        guard let text else { return nil }
        guard let position = StreamPosition(text) else {
            throw Problem.badRequest(
                "lastEventId is not valid.", errors: [FieldError(field: "lastEventId", message: "must be an eventId from a notification")])
        }
        return position
    }
}
