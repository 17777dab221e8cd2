import HummingbirdWSClient

/// Reads text frames until one contains `marker` (a notification written just before the
/// connection may come first: the stream prefers an old message to a missed one), then closes.
/// A watchdog closes the socket after 60 s so a lost frame fails the test instead of hanging it.
/// (30 s ran out once for the cluster test, in a full run beside the browser tests; the cause was
/// not found. On PostgreSQL a new event is read only once no older transaction in its database is
/// open, which a loaded run can hold back.)
func readFrames(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, until marker: String) async throws -> [String] {
    let watchdog = Task {
        try await Task.sleep(for: .seconds(60))
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
