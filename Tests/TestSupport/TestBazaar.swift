public import BazaarServer
import Foundation
public import HTTPTypes
public import HummingbirdTesting
import Logging
import NIOCore
public import PlatformCore
public import PlatformDatabase
public import PlatformEvents
public import PlatformMail
import Testing

/// One Bazaar process for a test, on a fresh database of the given engine, driven in-process
/// through the router (`app.test(.router)`), with a clock the test moves.
public struct TestBazaar: Sendable {
    public let bazaar: Bazaar
    public let client: any TestClientProtocol
    public let clock: ManualWallClock
    public let engine: TestEngine

    public static let adminEmail = "admin@test.local"
    public static let adminPassword = "admin-password-1"

    public static func settings(for location: DatabaseLocation) -> BazaarSettings {
        var settings = BazaarSettings()
        settings.database = location
        // bcrypt cost 4 keeps the suite fast; the production default (12) has its own test.
        settings.identity.bcryptCost = 4
        settings.identity.adminEmail = adminEmail
        settings.identity.adminPassword = adminPassword
        settings.trustForwardedFor = true
        // Dozens of tests run at once against one PostgreSQL server: keep each one's pool small.
        settings.databasePoolSize = 4
        // Suites register and log in many users from one address; the limits have their own tests.
        settings.authRequestsPerMinute = 0
        settings.apiRequestsPerMinute = 0
        settings.realtimeConnectionsPerMinute = 0
        return settings
    }

    public static func run(
        _ engine: TestEngine, live: Bool = false, configure: @Sendable (inout BazaarSettings) -> Void = { _ in },
        mail: (any MailTransport)? = nil,
        decorateHandlers: (@Sendable (any EventHandler) -> any EventHandler)? = nil, _ body: @Sendable (TestBazaar) async throws -> Void
    ) async throws {
        let (location, drop) = try await engine.freshDatabase()
        var settings = settings(for: location)
        configure(&settings)
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_790_000_000))
        var logger = Logger(label: "test")
        logger.logLevel = .error
        do {
            let bazaar = try await buildBazaar(
                settings: settings, clock: clock, mailTransport: mail, decorateHandlers: decorateHandlers, logger: logger)
            // Live: a real server on a free loopback port, for what crosses the wire (WebSocket).
            try await bazaar.application.test(live ? .live : .router) { client in
                try await body(TestBazaar(bazaar: bazaar, client: client, clock: clock, engine: engine))
            }
        } catch {
            await drop()
            throw error
        }
        await drop()
    }

    /// The live server's port (`run(live: true)` only).
    public var port: Int { client.port ?? 0 }

    // MARK: requests

    @discardableResult
    public func request(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: String? = nil, headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        if json != nil { fields[.contentType] = "application/json" }
        return try await client.execute(uri: path, method: method, headers: fields, body: json.map { ByteBuffer(string: $0) })
    }

    /// A request with a body as raw bytes (uploads).
    @discardableResult
    public func request(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, bytes: [UInt8], headers: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: path, method: method, headers: fields, body: ByteBuffer(bytes: bytes))
    }

    public func register(email: String, password: String = "password-123", name: String = "Test User") async throws -> Session {
        let response = try await request(
            .post, "/api/v1/auth/register", json: #"{"email":"\#(email)","password":"\#(password)","name":"\#(name)"}"#)
        guard response.status == .created else { throw UnexpectedStatus(response) }
        return try response.decode(Session.self)
    }

    public func login(email: String, password: String) async throws -> Session {
        let response = try await request(.post, "/api/v1/auth/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        guard response.status == .ok else { throw UnexpectedStatus(response) }
        return try response.decode(Session.self)
    }

    public func admin() async throws -> Session {
        try await login(email: Self.adminEmail, password: Self.adminPassword)
    }

    /// Waits until this process's event consumers have applied the whole log, so a module's
    /// copy of another module's data (Promotions' and Notifications' users) is current.
    public func consumersCaughtUp() async throws {
        try await waitUntil("the event consumers to catch up") { try await bazaar.consumers.lag() == 0 }
    }
}

/// The auth response shape, as a client sees it.
public struct Session: Decodable, Sendable {
    public struct User: Decodable, Sendable {
        public let id: String
        public let email: String
        public let name: String
        public let role: String
    }
    public let user: User
    public let accessToken: String
    public let refreshToken: String
}

/// A problem+json answer as a client reads it.
public struct ProblemReply: Decodable, Sendable {
    public struct Field: Decodable, Sendable {
        public let field: String
        public let message: String
    }
    public let status: Int
    public let title: String
    public let detail: String?
    public let errors: [Field]?

    public var fields: [String] { (errors ?? []).map(\.field) }
}

public struct UnexpectedStatus: Error, CustomStringConvertible {
    public let description: String
    public init(_ response: TestResponse) {
        description = "unexpected \(response.status): \(String(buffer: response.body))"
    }
}

extension TestResponse {
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(buffer: body))
    }

    /// Decodes a problem+json body, checking its content type.
    public func problem() throws -> ProblemReply {
        #expect(headers[.contentType] == "application/problem+json")
        return try decode(ProblemReply.self)
    }

    public var text: String { String(buffer: body) }
}
