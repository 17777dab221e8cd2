import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HummingbirdWSClient

/// A TCP socket bound on 127.0.0.1: port 0 lets the kernel choose. Nil when the port is taken.
struct LoopbackSocket {
    let fd: Int32
    let port: Int

    init?(port: Int = 0) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            _ = Glibc.close(fd)
            return nil
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(fd) }
}

/// Reads text frames until one contains `marker` (a notification written just before the
/// connection may come first: the stream prefers an old message to a missed one), then closes.
/// A watchdog closes the socket after 30 s so a lost frame fails the test instead of hanging it.
func readFrames(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, until marker: String) async throws -> [String] {
    let watchdog = Task {
        try await Task.sleep(for: .seconds(30))
        try await outbound.close(.goingAway, reason: "test timed out")
    }
    defer { watchdog.cancel() }
    var frames: [String] = []
    for try await message in inbound.messages(maxSize: 1 << 16) {
        guard case .text(let text) = message else { continue }
        frames.append(text)
        if text.contains(marker) { break }
    }
    try await outbound.close(.normalClosure, reason: nil)
    return frames
}
