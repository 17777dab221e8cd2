public import Hummingbird

extension Request {
    /// Whether the client already holds this version (`If-None-Match` names the ETag): the
    /// answer is then 304 with no body.
    public func matches(etag: String) -> Bool {
        headers[.ifNoneMatch]?.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == etag || $0 == "*" } == true
    }
}
