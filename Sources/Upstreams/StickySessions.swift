import Foundation
import Synchronization

/// Which endpoint holds each Socket.IO session. A long-polling session lives in the memory of
/// the Notifications process that opened it, so every later poll, post and the upgrade to a
/// WebSocket must reach that process; the gateway learns the session id from the handshake.
public final class StickySessions: Sendable {
    private struct Entry {
        let endpoint: UpstreamEndpoint
        var lastUsed: ContinuousClock.Instant
    }
    private struct Table {
        var entries: [String: Entry] = [:]
        var added = 0
    }
    private let table = Mutex(Table())
    /// A session unused for this long is forgotten (Socket.IO's own ping interval and timeout
    /// together are 45 s: a live session polls well within it).
    let idleLimit: Duration

    public init(idleLimit: Duration = .seconds(120)) {
        self.idleLimit = idleLimit
    }

    public func endpoint(for session: String) -> UpstreamEndpoint? {
        let now = ContinuousClock.now
        return table.withLock { table in
            guard var entry = table.entries[session] else { return nil }
            entry.lastUsed = now
            table.entries[session] = entry
            return entry.endpoint
        }
    }

    public func remember(_ session: String, at endpoint: UpstreamEndpoint) {
        let now = ContinuousClock.now
        table.withLock { table in
            // Sweeping once per 256 new sessions keeps the table bounded at little cost.
            table.added += 1
            if table.added % 256 == 0 { table.entries = table.entries.filter { now - $0.value.lastUsed < idleLimit } }
            table.entries[session] = Entry(endpoint: endpoint, lastUsed: now)
        }
    }

    public var count: Int { table.withLock { $0.entries.count } }

    /// The session id in an Engine.IO open packet (`0{"sid":"…",…}`), as a polling handshake
    /// answers it (possibly followed by more packets after a record separator).
    public static func sessionID(inHandshake body: some Collection<UInt8>) -> String? {
        guard body.first == UInt8(ascii: "0") else { return nil }
        let packet = body.dropFirst().prefix { $0 != 0x1E }
        return (try? JSONDecoder().decode(OpenPacket.self, from: Data(packet)))?.sid
    }

    private struct OpenPacket: Decodable {
        let sid: String
    }
}
