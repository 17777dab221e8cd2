import Foundation

/// Where the data lives, parsed from `sqlite:PATH` or `postgres://user:pass@host:port/db`.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(host: String, port: Int, username: String, password: String?, database: String, requireTLS: Bool)

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(parsing text: String) throws {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw ParseError(description: "sqlite URL needs a file path, e.g. sqlite:./bazaar.sqlite") }
            self = .sqlite(path: path)
            return
        }
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql"
        else {
            throw ParseError(
                description: "expected sqlite:PATH or postgres://user:password@host:port/database, got '\(Self.redacted(text))'")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ParseError(description: "postgres URL has no host")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw ParseError(description: "postgres port \(port) is out of range") }
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !database.isEmpty else { throw ParseError(description: "postgres URL has no database name") }
        let username = components.user ?? "postgres"
        let tlsMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value
        self = .postgres(
            host: host, port: port, username: username, password: components.password,
            database: database, requireTLS: tlsMode == "require")
    }

    public var engine: DatabaseEngine {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    /// Never prints the password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let host, let port, let username, _, let database, _): "postgres://\(username)@\(host):\(port)/\(database)"
        }
    }

    private static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "<unparseable>"
    }
}
