import Foundation
import Platform
import Testing
import TestSupport

extension MultiProcess {
    @Suite("Processes on one PostgreSQL", .serialized)
    struct CrossProcessTests {
        @Test func revocationWrittenByOneProcessIsConsumedByAnother() async throws {
            let (url, drop) = try await freshPostgresURL()
            defer { Task { await drop() } }

            let first = try LiveProcess(arguments: ["serve", "--modules", "identity", "--database", url], port: LiveProcess.freePort())
            defer { first.stop() }
            try await first.waitUntilReady()
            let second = try LiveProcess(arguments: ["serve", "--modules", "identity", "--database", url], port: LiveProcess.freePort())
            defer { second.stop() }
            try await second.waitUntilReady()

            let (status, body) = try await first.request(
                "POST", "/api/v1/auth/register", json: #"{"email":"split@example.com","password":"password-123","name":"Split"}"#)
            #expect(status == 201)
            let session = try JSONDecoder().decode(Session.self, from: body)

            // The second process verifies a token the first one issued …
            #expect(try await second.request("GET", "/api/v1/users/me", token: session.accessToken).0 == 200)
            // … and refuses it once the first process ends the session (event log + LISTEN/NOTIFY).
            let logout = try await first.request("POST", "/api/v1/auth/logout", json: #"{"refreshToken":"\#(session.refreshToken)"}"#)
            #expect(logout.0 == 204)
            // Generous: the whole suite shares one PostgreSQL cluster, whose oldest open transaction
            // (any test's) holds back what the event log may hand out.
            let deadline = ContinuousClock.now + .seconds(30)
            var refused = false
            while ContinuousClock.now < deadline, !refused {
                refused = try await second.request("GET", "/api/v1/users/me", token: session.accessToken).0 == 401
                if !refused { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(refused, "the second process never learned of the revocation")
        }

        @Test(arguments: [
            (["serve", "--modules", "identity,bogus", "--database", "postgres://u@127.0.0.1:1/db"], "modules"),
            (["run", "--port", "70000"], "port"),
            (["run", "--database", "mysql://nope"], "database"),
            (["serve", "--modules", "identity", "--database", "sqlite:./x.sqlite"], "database"),
            (["run", "--log-level", "loud"], "log.level"),
            (["run", "--kafka-brokers", "localhost"], "kafka.brokers"),
            (["run", "--kafka-brokers", "127.0.0.1:9092,:1"], "kafka.brokers"),
            (["run", "--event-transport", "kafka"], "event.transport"),
            (["run", "--event-transport", "carrier-pigeon"], "event.transport"),
        ])
        func badSettingsStopStartUpNamingTheSetting(arguments: [String], setting: String) async throws {
            let (status, output) = try await LiveProcess.runToCompletion(arguments)
            #expect(status != 0)
            #expect(output.contains("invalid setting \(setting)"), "\(output)")
        }

        @Test(arguments: [
            ("BAZAAR_PORT", "eighty"), ("BAZAAR_SMTP_URL", "http://user:hunter2@mail.example.com"),
            ("BAZAAR_SOCKETIO_PING_INTERVAL_MS", "0"), ("BAZAAR_KAFKA_LOGS", "true"), ("BAZAAR_KAFKA_BROKERS", "no-port"),
            ("BAZAAR_KAFKA_TOPIC_PREFIX", "shop orders/"),
        ])
        func badEnvironmentSettingIsNamedToo(variable: String, value: String) async throws {
            let (status, output) = try await LiveProcess.runToCompletion(["run"], environment: [variable: value])
            #expect(status != 0)
            #expect(output.contains(variable), "\(output)")
            #expect(!output.contains("hunter2"), "a password reached the output")
        }
    }
}
