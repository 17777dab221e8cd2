import Foundation
import PlatformCore
public import SQLKit

/// An opaque cursor for lists ordered by (timestamp, id): clients pass back what they were given.
public struct KeysetCursor: Sendable, Equatable {
    public let timestamp: Int64
    public let id: String

    public init(timestamp: Int64, id: String) {
        self.timestamp = timestamp
        self.id = id
    }

    public var encoded: String { Data("\(timestamp):\(id)".utf8).base64URLEncodedString() }

    /// Parses a cursor from the query; a tampered one is a 400 naming `cursor`.
    public init(decoding text: String) throws {
        guard let data = Data(base64URLEncoded: text), let plain = String(data: data, encoding: .utf8),
            let colon = plain.firstIndex(of: ":"), let timestamp = Int64(plain[..<colon]), plain.count < 200
        else {
            throw Problem.badRequest(
                "Invalid query parameter.", errors: [FieldError(field: "cursor", message: "is not a cursor this API returned")])
        }
        self.init(timestamp: timestamp, id: String(plain[plain.index(after: colon)...]))
    }
}

extension KeysetCursor {
    /// The condition for rows after this cursor in newest-first order by
    /// (`created_at`, `tieBreaker`): older, or as old with a smaller tie-breaker.
    public func olderRows(tieBreaker: String = "id", value: some Encodable & Sendable) -> SQLQueryString {
        SQLQueryString("(created_at < \(bind: timestamp) OR (created_at = \(bind: timestamp) AND \(ident: tieBreaker) < \(bind: value)))")
    }

    /// The same with the cursor's own id as the tie-breaker value.
    public var olderRows: SQLQueryString { olderRows(value: id) }
}
