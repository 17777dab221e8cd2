import Foundation

/// Where the data lives, parsed from `sqlite:PATH` or `postgres://user:pass@host:port/db`
/// (`postgres://user@/db?host=/run/postgresql` for a server's Unix-domain socket).
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
        // libpq's query parameters `host` and `port` stand in for the URL's own, so that a
        // socket directory can be named without percent-encoding it into the authority.
        let query = { (name: String) in components.queryItems?.first(where: { $0.name == name })?.value }
        guard let host = query("host") ?? components.host, !host.isEmpty else {
            throw ParseError(description: "postgres URL has no host (a name, an address, or a socket directory as ?host=/path)")
        }
        let port: Int
        if let text = query("port") {
            guard let value = Int(text) else { throw ParseError(description: "postgres port '\(text)' is not a number") }
            port = value
        } else {
            port = components.port ?? 5432
        }
        guard (1...65535).contains(port) else { throw ParseError(description: "postgres port \(port) is out of range") }
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !database.isEmpty else { throw ParseError(description: "postgres URL has no database name") }
        let username = components.user ?? "postgres"
        let requireTLS = query("sslmode") == "require"
        if requireTLS, Self.isSocketDirectory(host) {
            // TLS is never used on a Unix-domain socket; asked for it, the connection would
            // silently go without.
            throw ParseError(description: "sslmode=require needs a TCP host, not the socket directory \(host)")
        }
        self = .postgres(
            host: host, port: port, username: username, password: components.password,
            database: database, requireTLS: requireTLS)
    }

    /// The Unix-domain socket a PostgreSQL location connects through, or nil for TCP. As in
    /// libpq, a host that is an absolute path names the directory of the server's socket, whose
    /// file is named after the port. This reaches a server on the same machine without the TCP
    /// stack, and through the `local` lines of its `pg_hba.conf` (peer authentication).
    public static func postgresSocketPath(host: String, port: Int) -> String? {
        isSocketDirectory(host) ? "\(host)/.s.PGSQL.\(port)" : nil
    }

    private static func isSocketDirectory(_ host: String) -> Bool { host.hasPrefix("/") }

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
        case .postgres(let host, let port, let username, _, let database, _):
            Self.isSocketDirectory(host)
                ? "postgres://\(username)@/\(database)?host=\(host)&port=\(port)"
                : "postgres://\(username)@\(host):\(port)/\(database)"
        }
    }

    private static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "<unparseable>"
    }
}
