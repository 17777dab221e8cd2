import Foundation
import HTTPTypes
public import Hummingbird
import HummingbirdWebSocket
import HummingbirdWSClient
public import Logging
import Metrics
import NIOCore
public import PlatformAuth
public import PlatformHTTP
import Synchronization
public import Upstreams

/// The realtime half of the gateway's front: WebSocket upgrades for the notification stream and
/// Socket.IO are accepted here and relayed, message by message, to a WebSocket opened to the
/// process serving Notifications (with the client's token, request id and address). Socket.IO's
/// long-polling half is plain HTTP and goes through `GatewayProxyMiddleware`. A Socket.IO
/// upgrade of a polling session goes to the process holding that session; anything else to the
/// next healthy Notifications process, moving on to another when one cannot be reached.
///
/// A stream request with a token this process refuses is not upgraded: it falls through to the
/// HTTP router, whose proxy lets Notifications answer the 401 itself.
public struct RealtimeProxy: Sendable {
    let upstream: Upstream
    let sessions: StickySessions
    let verifier: TokenVerifier
    let trustForwardedFor: Bool
    let logger: Logger
    /// Larger than any message a Notifications process accepts or sends: it enforces its own.
    static let maxMessage = 1 << 20
    private static let open = Atomic<Int>(0)
    private static let connections = Gauge(label: "bazaar_gateway_realtime_connections")

    public init(upstream: Upstream, sessions: StickySessions, verifier: TokenVerifier, trustForwardedFor: Bool, logger: Logger) {
        self.upstream = upstream
        self.sessions = sessions
        self.verifier = verifier
        self.trustForwardedFor = trustForwardedFor
        self.logger = logger
    }

    public func addWebSocketRoutes(to router: Router<RealtimeRequestContext>) {
        router.ws("api/v1/notifications/stream") { request, _ in
            if let token = try request.realtimeToken() { _ = try await verifier.verify(token) }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            await relay(context.request, remote: context.requestContext.remoteAddress, inbound: inbound, outbound: outbound)
        }
        router.ws("socket.io") { request, _ in
            // Socket.IO authenticates inside its protocol; the module answers a bad token itself.
            request.uri.queryParameters["transport"] == "websocket" ? .upgrade([:]) : .dontUpgrade
        } onUpgrade: { inbound, outbound, context in
            await relay(context.request, remote: context.requestContext.remoteAddress, inbound: inbound, outbound: outbound)
        }
    }

    /// Relays until either side closes, then closes the other with the code the module gave.
    private func relay(_ request: Request, remote: SocketAddress?, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async
    {
        Self.connections.record(Self.open.add(1, ordering: .relaxed).newValue)
        defer { Self.connections.record(Self.open.subtract(1, ordering: .relaxed).newValue) }
        var headers = HTTPFields()
        if let authorization = request.headers[.authorization] { headers[.authorization] = authorization }
        headers[.xForwardedFor] = ClientAddress.of(request, remote: remote, trustForwardedFor: trustForwardedFor)
        headers[.requestID] = request.headers[.requestID] ?? UUID().uuidString
        let endpoints =
            request.uri.queryParameters["sid"].flatMap { sessions.endpoint(for: String($0)) }.map { [$0] } ?? upstream.candidates()
        for endpoint in endpoints {
            let url = (endpoint.baseURL.hasPrefix("https:") ? "wss" : "ws") + endpoint.baseURL.drop { $0 != ":" } + request.uri.description
            do {
                let closing = try await WebSocketClient.connect(
                    url: url, configuration: .init(maxFrameSize: Self.maxMessage, additionalHeaders: headers), logger: logger
                ) { moduleInbound, moduleOutbound, _ in
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask {
                            try? await Self.copy(from: inbound, to: moduleOutbound)
                            try? await moduleOutbound.close(.normalClosure, reason: nil)
                        }
                        group.addTask { try? await Self.copy(from: moduleInbound, to: outbound) }
                        // Whichever side ends first ends the relay.
                        await group.next()
                        group.cancelAll()
                    }
                }
                try? await outbound.close(closing?.closeCode ?? .normalClosure, reason: closing?.reason)
                return
            } catch let error as WebSocketClientError where error == .webSocketUpgradeFailed {
                // The module answered but would not upgrade (a `lastEventId` it does not know, a
                // session it ended): a refusal, not an outage.
                try? await outbound.close(.policyViolation, reason: "refused by \(upstream.name)")
                return
            } catch {
                logger.warning(
                    "realtime relay could not reach the module",
                    metadata: ["module": "\(upstream.name)", "endpoint": "\(endpoint)", "error": "\(type(of: error))"])
            }
        }
        // 1014 is "Bad Gateway" in the IANA WebSocket close code registry.
        try? await outbound.close(.unknown(1014), reason: "\(upstream.name) is unavailable")
    }

    private static func copy(from inbound: WebSocketInboundStream, to outbound: WebSocketOutboundWriter) async throws {
        for try await message in inbound.messages(maxSize: maxMessage) {
            switch message {
            case .text(let text): try await outbound.write(.text(text))
            case .binary(let data): try await outbound.write(.binary(data))
            }
        }
    }
}
