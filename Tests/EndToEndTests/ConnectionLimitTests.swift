import Foundation
import Testing
import TestSupport

/// What a hostile or sloppy TCP client gets from a live server (the wire is the point, so these
/// run against a real process and a Python client that writes raw bytes).
@Suite("Connection limits")
struct ConnectionLimitTests {
    private func sqlitePath() -> String { "\(NSTemporaryDirectory())conn-\(UUID().uuidString).sqlite" }

    private func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Malformed requests are answered and closed instead of left open and silent; a head that
    /// stops halfway gets 408, a connection that says nothing is closed.
    @Test func malformedAndSlowRequestsAreAnsweredAndClosed() async throws {
        let path = sqlitePath()
        defer { remove(path) }
        let server = try LiveProcess(
            arguments: ["run", "--database", "sqlite:\(path)"],
            environment: ["BAZAAR_HEADER_TIMEOUT_MS": "1000", "BAZAAR_IDLE_TIMEOUT_MS": "2000"],
            port: LiveProcess.freePort())
        defer { server.stop() }
        try await server.waitUntilReady()
        let peer = try PeerProcess(script: "connection_abuse.py", arguments: ["probes", "--port", String(server.port), "--wait", "5"])
        defer { peer.stop() }
        _ = try await peer.waitForExit(timeout: .seconds(60))
        let answers = Dictionary(
            uniqueKeysWithValues: peer.output.filter { $0.hasPrefix("PROBE ") }.map { line in
                let parts = line.split(separator: " ").map(String.init)
                return (parts[1], (status: parts[2].replacingOccurrences(of: "_", with: " "), closed: parts[3] == "closed"))
            })
        for (name, status) in [
            ("invalid-utf8", "HTTP/1.1 400 Bad Request"), ("spaces", "HTTP/1.1 400 Bad Request"), ("not-http", "HTTP/1.1 400 Bad Request"),
            ("long-url", "HTTP/1.1 414 URI Too Long"), ("big-header", "HTTP/1.1 431 Request Header Fields Too Large"),
            ("many-headers", "HTTP/1.1 431 Request Header Fields Too Large"), ("half-head", "HTTP/1.1 408 Request Timeout"),
        ] {
            #expect(answers[name]?.status == status, "\(name): \(peer.output)")
            #expect(answers[name]?.closed == true, "\(name) left open")
        }
        #expect(answers["silent"]?.status == "-" && answers["silent"]?.closed == true, "\(peer.output)")
        #expect(answers["fine"]?.status == "HTTP/1.1 200 OK")
        // Kept alive but idle past the idle timeout: closed too.
        #expect(answers["fine"]?.closed == true)
        #expect(try await Loopback(port: server.port).text("/health/live").contains("ok"))
    }

    /// More half-sent requests than the process has file descriptors: the newest connections take
    /// the place of the longest idle ones, so ordinary clients are still served (the head timeout
    /// is a minute here: only the eviction can let them in).
    @Test func aSlowlorisLargerThanTheFileLimitDoesNotStarveOthers() async throws {
        let path = sqlitePath()
        defer { remove(path) }
        let server = try LiveProcess(
            arguments: ["run", "--database", "sqlite:\(path)"], environment: ["BAZAAR_HEADER_TIMEOUT_MS": "60000"],
            port: LiveProcess.freePort(), openFileLimit: 256)
        defer { server.stop() }
        try await server.waitUntilReady()
        let peer = try PeerProcess(
            script: "connection_abuse.py",
            arguments: ["slowloris", "--port", String(server.port), "--count", "400", "--requests", "20", "--wait", "10"])
        defer { peer.stop() }
        let result = try await peer.line(startingWith: "SLOWLORIS", timeout: .seconds(90))
        #expect(result.contains("ok=20 failed=0"), "\(result)")
        let held = Int(result.split(separator: " ").first { $0.hasPrefix("held=") }?.dropFirst(5) ?? "") ?? 0
        #expect(held > 0 && held < 256, "the cap stays below the file limit: \(result)")
        #expect(try await Loopback(port: server.port).text("/health/live").contains("ok"), "\(server.output)")
    }
}
