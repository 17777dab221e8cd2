import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PlatformCore
import Testing

/// A `bazaar` process started from the binary scripts/test built, talking real HTTP. What it
/// prints is drained as it comes (a full pipe would block the process mid-request) and the
/// latest part kept for failure messages.
public final class LiveProcess: Sendable {
    public let port: Int
    private let child: SpawnedChild
    private let printed = PrintedTail(keeping: 64 * 1024)

    public static var binary: URL {
        get throws {
            guard let path = ProcessInfo.processInfo.environment["BAZAAR_BINARY"] else {
                throw MissingBinary()
            }
            return URL(fileURLWithPath: path)
        }
    }

    /// `openFileLimit` starts the process under `ulimit -n` (soft and hard), as a host with few
    /// file descriptors would.
    public init(arguments: [String], environment: [String: String] = [:], port: Int, openFileLimit: Int? = nil) throws {
        self.port = port
        let arguments = arguments + ["--port", String(port), "--host", "127.0.0.1"]
        var env = ProcessInfo.processInfo.environment
        env["BAZAAR_ADMIN_PASSWORD"] = TestBazaar.adminPassword
        env["BAZAAR_ADMIN_EMAIL"] = TestBazaar.adminEmail
        env["BAZAAR_BCRYPT_COST"] = "4"
        env["BAZAAR_LOG_LEVEL"] = "warning"
        env["BAZAAR_DATABASE_POOL"] = "5"
        env["BAZAAR_RATE_LIMIT_AUTH_PER_MINUTE"] = "0"
        env["BAZAAR_RATE_LIMIT_API_PER_MINUTE"] = "0"
        env["BAZAAR_RATE_LIMIT_REALTIME_PER_MINUTE"] = "0"
        env.merge(environment) { _, new in new }
        let binary = try Self.binary.path
        let printed = printed
        let onOutput: @Sendable ([UInt8]) -> Void = { printed.append(Data($0)) }
        if let openFileLimit {
            child = try SpawnedChild(
                "/bin/sh", arguments: ["-c", "ulimit -n \(openFileLimit) && exec \"$0\" \"$@\"", binary] + arguments, environment: env,
                onOutput: onOutput)
        } else {
            child = try SpawnedChild(binary, arguments: arguments, environment: env, onOutput: onOutput)
        }
    }

    /// The last 64 KiB the process printed.
    public var output: String { printed.text }

    deinit { stop() }

    /// SIGINT, a graceful stop, and waits for it; SIGKILL if it is still there after 10 s.
    public func stop() {
        guard child.signal(SIGINT), !child.waitUntilExitBlocking(for: .seconds(10)) else { return }
        kill()
    }

    /// Ends the process at once, as a crash or the OOM killer would: nothing is closed cleanly.
    public func kill() {
        guard child.signal(SIGKILL) else { return }
        child.waitUntilExitBlocking()
    }

    /// Exit status and everything printed, for processes expected to stop by themselves (killed,
    /// and the wait failed, after `timeout`).
    public static func runToCompletion(
        _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, output: String) {
        let finished = try await ChildProcess.run(try binary, arguments, environment: environment, timeout: timeout)
        return (finished.status, finished.output)
    }

    public func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let (status, _) = try? await request("GET", "/health/ready"), status == 200 { return }
            guard child.isRunning else {
                throw ProcessFailed(output: output)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TimedOut(what: "bazaar on port \(port) to become ready")
    }

    public struct MissingBinary: Error, CustomStringConvertible {
        public let description = "BAZAAR_BINARY is not set: run the suite with scripts/test, which builds the binary"
    }

    public struct ProcessFailed: Error, CustomStringConvertible {
        let output: String
        public var description: String { "bazaar exited early:\n\(output)" }
    }

    public func request(_ method: String, _ path: String, token: String? = nil, json: String? = nil) async throws -> (Int, Data) {
        try await Loopback(port: port).request(method, path, token: token, json: json)
    }

    public func requestWithHeaders(
        _ method: String, _ path: String, token: String? = nil, json: String? = nil, headers: [String: String]
    ) async throws -> (Int, Data) {
        try await Loopback(port: port).request(method, path, token: token, json: json, headers: headers)
    }

    /// A port the kernel just handed out for loopback (bound to port 0, then released), so two
    /// processes started by parallel tests do not pick the same one.
    public static func freePort() -> Int {
        guard let socket = LoopbackSocket() else { return Int.random(in: 20_000...40_000) }
        defer { socket.close() }
        return socket.port
    }
}

/// HTTP to a process on a loopback port.
public struct Loopback: Sendable {
    public let port: Int

    public init(port: Int) { self.port = port }

    public func request(
        _ method: String, _ path: String, token: String? = nil, json: String? = nil, headers: [String: String] = [:]
    ) async throws -> (Int, Data) {
        let (status, data, _) = try await exchange(method, path, token: token, json: json, headers: headers)
        return (status, data)
    }

    /// A request and the whole answer: status, body and headers (Set-Cookie included: the session
    /// keeps no cookies, each request carries only those given in `headers`).
    public func exchange(
        _ method: String, _ path: String, token: String? = nil, json: String? = nil, headers: [String: String] = [:]
    ) async throws -> (Int, Data, [String: String]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpMethod = method
        request.timeoutInterval = 30  // above the gateway module timeout the split test uses (10 s)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(json.utf8)
        }
        let (data, response) = try await Self.session.data(for: request)
        let http = response as? HTTPURLResponse
        let fields = (http?.allHeaderFields ?? [:]).reduce(into: [String: String]()) { fields, field in
            fields[String(describing: field.key).lowercased()] = String(describing: field.value)
        }
        return (http?.statusCode ?? 0, data, fields)
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        return URLSession(configuration: configuration)
    }()

    /// POST /graphql; the answer's JSON (always HTTP 200, whatever the errors).
    public func graphQL(_ query: String, token: String? = nil) async throws -> JSONValue {
        let body = try JSONEncoder().encode(JSONValue.object(["query": .string(query)]))
        let (status, data) = try await request("POST", "/graphql", token: token, json: String(decoding: body, as: UTF8.self))
        #expect(status == 200)
        return try JSONDecoder().decode(JSONValue.self, from: data)
    }

    public func text(_ path: String) async throws -> String {
        String(decoding: try await request("GET", path).1, as: UTF8.self)
    }
}

/// The last bytes a process printed.
final class PrintedTail: Sendable {
    private let kept = Mutex<Data>(Data())
    private let limit: Int

    init(keeping limit: Int) { self.limit = limit }

    func append(_ data: Data) {
        kept.withLock { kept in
            kept.append(data)
            if kept.count > limit { kept.removeFirst(kept.count - limit) }
        }
    }

    var text: String { String(decoding: kept.withLock { $0 }, as: UTF8.self) }
}

/// A fresh PostgreSQL database for processes started by a test, as the URL they take.
public func freshPostgresURL() async throws -> (url: String, drop: @Sendable () async -> Void) {
    let (location, drop) = try await TestEngine.postgres.freshDatabase()
    guard case .postgres = location else {
        await drop()
        throw NotPostgres()
    }
    return (location.description, drop)
}

public struct NotPostgres: Error {
    public init() {}
}
