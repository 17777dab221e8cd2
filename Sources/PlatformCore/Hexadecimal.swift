/// Lower-case hexadecimal text of bytes: digests for ETags, idempotency hashes and stored token
/// hashes. Written out because `String(format: "%02x")` per byte goes through Foundation's
/// formatter and cost 2% of the CPU of an order.
extension Sequence<UInt8> {
    public var hexadecimal: String {
        var text: [UInt8] = []
        text.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            text.append(hexadecimalDigits[Int(byte >> 4)])
            text.append(hexadecimalDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

private let hexadecimalDigits = Array("0123456789abcdef".utf8)
