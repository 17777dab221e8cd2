import Foundation
import HummingbirdWSClient
import Logging
import Synchronization
import Testing
import TestSupport

/// Realtime fan-out across processes: a notification written by one process reaches a user
/// connected to another, through the event log.
extension MultiProcess {
    @Suite("Split notifications", .serialized)
    struct SplitNotificationsTests {
        @Test func notificationWrittenByOneProcessReachesAConnectionOnAnother() async throws {
            let (url, drop) = try await freshPostgresURL()
            defer { Task { await drop() } }

            let writer = try LiveProcess(
                arguments: ["serve", "--modules", "identity,promotions,notifications", "--database", url], port: LiveProcess.freePort())
            defer { writer.stop() }
            try await writer.waitUntilReady()
            let pusher = try LiveProcess(
                arguments: ["serve", "--modules", "notifications", "--database", url], port: LiveProcess.freePort())
            defer { pusher.stop() }
            try await pusher.waitUntilReady()

            let (status, body) = try await writer.request(
                "POST", "/api/v1/auth/register", json: #"{"email":"fan@example.com","password":"password-123","name":"Fan"}"#)
            #expect(status == 201)
            let session = try JSONDecoder().decode(Session.self, from: body)
            let (_, adminBody) = try await writer.request(
                "POST", "/api/v1/auth/login", json: #"{"email":"\#(TestBazaar.adminEmail)","password":"\#(TestBazaar.adminPassword)"}"#)
            let admin = try JSONDecoder().decode(Session.self, from: adminBody).accessToken
            // Notifications (on either process) must know the user before an admin can write to them.
            struct Inbox: Decodable { let items: [Item]; struct Item: Decodable { let kind: String } }
            try await waitUntil("the welcome notification (Notifications knows the user)") {
                let inbox = try await writer.request("GET", "/api/v1/notifications", token: session.accessToken).1
                return try JSONDecoder().decode(Inbox.self, from: inbox).items.contains { $0.kind == "welcome" }
            }

            let frames = Mutex<[String]>([])
            var logger = Logger(label: "split-ws")
            logger.logLevel = .critical
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(pusher.port)/api/v1/notifications/stream",
                configuration: .init(additionalHeaders: [.authorization: "Bearer \(session.accessToken)"]),
                logger: logger
            ) { inbound, outbound, _ in
                try await waitUntil("the pushing process to hold the connection") {
                    String(decoding: try await pusher.request("GET", "/metrics").1, as: UTF8.self).contains("bazaar_realtime_connections 1")
                }
                let (posted, _) = try await writer.request(
                    "POST", "/api/v1/admin/notifications", token: admin,
                    json: #"{"userId":"\#(session.user.id)","title":"Across","body":"processes"}"#)
                #expect(posted == 201)
                let read = try await readFrames(inbound, outbound, until: #""title":"Across""#)
                frames.withLock { $0 = read }
            }
            let received = frames.withLock { $0 }
            #expect(received.filter { $0.contains(#""title":"Across""#) }.count == 1, "\(received)")
            #expect(received.allSatisfy { $0.contains(#""kind":"admin""#) || $0.contains(#""kind":"welcome""#) }, "\(received)")
        }
    }
}
