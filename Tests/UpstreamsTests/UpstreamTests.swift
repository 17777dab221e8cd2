import Foundation
import HTTPTypes
import AsyncHTTPClient
import NIOCore
import Testing
@testable import Upstreams

/// The choices a process makes about its calls to other processes, without a network.
@Suite struct UpstreamTests {
    static func upstream(_ count: Int) -> Upstream {
        Upstream(name: "catalog", baseURLs: (1...count).map { URL(string: "http://10.0.0.\($0):8081/")! })
    }

    @Test func callsTakeTurnsOverTheProcessesThatAreUp() {
        let upstream = Self.upstream(3)
        #expect(upstream.endpoints.map(\.baseURL) == ["http://10.0.0.1:8081", "http://10.0.0.2:8081", "http://10.0.0.3:8081"])
        let firstChoices = (0..<6).map { _ in upstream.candidates()[0].baseURL }
        #expect(
            firstChoices == ["http://10.0.0.1:8081", "http://10.0.0.2:8081", "http://10.0.0.3:8081"] + [
                "http://10.0.0.1:8081", "http://10.0.0.2:8081", "http://10.0.0.3:8081",
            ])

        upstream.endpoints[1].mark(healthy: false)
        for _ in 0..<6 {
            let candidates = upstream.candidates()
            // Every process is still a candidate, the one that is down only last.
            #expect(Set(candidates.map(\.baseURL)).count == 3)
            #expect(candidates.last?.baseURL == "http://10.0.0.2:8081")
        }
        #expect(upstream.endpoints[1].mark(healthy: true))
        #expect(!upstream.endpoints[1].mark(healthy: true), "only a change of state is reported")
        #expect(Set((0..<3).map { _ in upstream.candidates()[0].baseURL }).count == 3)
    }

    @Test func onlyHarmlessCallsAreRepeatedOnAnotherProcess() {
        func call(_ method: HTTPRequest.Method, _ headers: HTTPFields = [:], body: UpstreamClient.Call.Body = .none) -> UpstreamClient.Call
        {
            UpstreamClient.Call(method: method, target: "/api/v1/orders", headers: headers, body: body)
        }
        // The connection broke after the request may have arrived.
        let maybeArrived = HTTPClientError.remoteConnectionClosed
        #expect(call(.get).mayMoveOn(after: maybeArrived))
        #expect(call(.put, body: .buffer(.init(string: "{}"))).mayMoveOn(after: maybeArrived))
        #expect(call(.delete).mayMoveOn(after: maybeArrived))
        #expect(!call(.post, body: .buffer(.init(string: "{}"))).mayMoveOn(after: maybeArrived))
        #expect(!call(.patch).mayMoveOn(after: maybeArrived))
        #expect(call(.post, [HTTPField.Name("Idempotency-Key")!: "k-1"], body: .buffer(.init(string: "{}"))).mayMoveOn(after: maybeArrived))
        // The connection was refused: nothing left, so any call whose body is in hand moves on.
        let refused = IOError(errnoCode: ECONNREFUSED, reason: "connect")
        #expect(call(.post, body: .buffer(.init(string: "{}"))).mayMoveOn(after: refused))
        #expect(call(.patch).mayMoveOn(after: refused))
        let stream = AsyncThrowingStream<ByteBuffer, any Error> { $0.finish() }
        #expect(!call(.put, body: .stream(stream, length: nil)).mayMoveOn(after: refused), "a streamed body cannot be sent twice")
        #expect(!call(.put, body: .stream(stream, length: nil)).mayMoveOn(after: maybeArrived))
    }

    @Test func theSessionIdComesFromTheEngineIOOpenPacket() {
        let open =
            #"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        #expect(StickySessions.sessionID(inHandshake: Array(open.utf8)) == "lv_VI97HAXpY6yYWAAAC")
        #expect(StickySessions.sessionID(inHandshake: Array((open + "\u{1E}40").utf8)) == "lv_VI97HAXpY6yYWAAAC")
        #expect(StickySessions.sessionID(inHandshake: Array("40".utf8)) == nil)
        #expect(StickySessions.sessionID(inHandshake: Array(#"0{"nosid":1}"#.utf8)) == nil)
        #expect(StickySessions.sessionID(inHandshake: [UInt8]()) == nil)
    }

    @Test func sessionsStayWithTheProcessThatOpenedThemUntilIdle() async throws {
        let upstream = Self.upstream(2)
        let sessions = StickySessions(idleLimit: .milliseconds(1))
        sessions.remember("a", at: upstream.endpoints[1])
        #expect(sessions.endpoint(for: "a") === upstream.endpoints[1])
        #expect(sessions.endpoint(for: "b") == nil)
        try await Task.sleep(for: .milliseconds(5))
        // Idle sessions are swept as new ones arrive.
        for index in 0..<256 { sessions.remember("s\(index)", at: upstream.endpoints[0]) }
        #expect(sessions.endpoint(for: "a") == nil)
        #expect(sessions.count <= 256)
    }
}
