import Crypto
import Foundation
import PlatformCore

/// A product's picture: PNG, JPEG or WebP, recognised by its first bytes (never by the
/// Content-Type a client claims), kept in the database beside the product.
struct ProductImage: Sendable {
    let contentType: String
    let bytes: [UInt8]
    /// A strong ETag: the SHA-256 of the bytes, quoted.
    let etag: String

    /// The image in `bytes`, or nil when they are none of the accepted formats.
    init?(bytes: [UInt8]) {
        guard let type = Self.sniff(bytes) else { return nil }
        self.init(
            contentType: type, bytes: bytes,
            etag: "\"" + SHA256.hash(data: bytes).prefix(16).hexadecimal + "\"")
    }

    init(contentType: String, bytes: [UInt8], etag: String) {
        self.contentType = contentType
        self.bytes = bytes
        self.etag = etag
    }

    static func sniff(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        return nil
    }

    /// Where the API serves it; the ETag in the query changes the URL when the image changes.
    static func url(productID: String, etag: String?) -> String? {
        etag.map { "/api/v1/products/\(productID)/image?v=\($0.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))" }
    }
}
