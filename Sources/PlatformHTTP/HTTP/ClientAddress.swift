public import Hummingbird
public import NIOCore

/// Who sent a request: the peer's address, or — only where a trusted proxy stands in front
/// (`BAZAAR_TRUST_FORWARDED_FOR`) — the first `X-Forwarded-For` entry. A gateway forwards the
/// address it settled on *instead of* the client's header, so a module behind it, which trusts
/// the header, can never be handed an address the client made up.
public enum ClientAddress {
    public static func of(_ request: Request, remote: SocketAddress?, trustForwardedFor: Bool) -> String {
        if trustForwardedFor, let forwarded = request.headers[.xForwardedFor],
            let first = forwarded.split(separator: ",").first?.trimmingCharacters(in: .whitespaces), !first.isEmpty
        {
            return first
        }
        return remote?.ipAddress ?? "unknown"
    }
}
