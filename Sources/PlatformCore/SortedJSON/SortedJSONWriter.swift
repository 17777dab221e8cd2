import Foundation

/// Thrown inside `SortedJSON` for what its writer leaves to Foundation; never leaves it.
struct LeftToFoundation: Error {}

/// Encodes one value: hands it a `SortedJSONSlot` to write itself into `buffer`, then closes
/// the container it opened.
final class SortedJSONWriter {
    /// Held through a pointer, not as stored properties: every use of a class's stored `var` is
    /// checked at run time for exclusive access, and those checks took a third of the time.
    let buffer: UnsafeMutablePointer<SortedJSONBuffer>

    /// Foundation stops at this depth too (it throws; so does the fallback).
    private static let maximumDepth = 512

    init() {
        buffer = .allocate(capacity: 1)
        buffer.initialize(to: SortedJSONBuffer())
    }

    deinit {
        buffer.deinitialize(count: 1)
        buffer.deallocate()
    }

    var bytes: [UInt8] { buffer.pointee.bytes }

    func leaveToFoundation() -> LeftToFoundation {
        buffer.pointee.leftToFoundation = true
        return LeftToFoundation()
    }

    /// Runs one write of a container. A value may catch what a write throws (`try?`) and go on
    /// encoding; what it then writes is no longer what Foundation would, so a failed write
    /// leaves the whole value to Foundation whatever happens next.
    func failing(_ write: () throws -> Void) throws {
        do {
            try write()
        } catch {
            buffer.pointee.leftToFoundation = true
            throw error
        }
    }

    func encodeValue<Value: Encodable>(_ value: Value) throws {
        // Foundation writes these three itself rather than asking them to encode; and so must this.
        if Value.self == Date.self { return try buffer.pointee.write(unsafeBitCast(value, to: Date.self)) }
        if Value.self == String.self { return buffer.pointee.write(unsafeBitCast(value, to: String.self)) }
        if Value.self == Data.self || Value.self == URL.self || Value.self == Decimal.self { throw LeftToFoundation() }
        let depth = buffer.pointee.frames.count
        guard depth < Self.maximumDepth else { throw LeftToFoundation() }
        try value.encode(to: SortedJSONSlot(writer: self, depth: depth))
        try buffer.pointee.close(opened: depth)
    }
}

/// The bytes of one value being encoded, and the containers open in it, innermost last.
struct SortedJSONBuffer {
    /// An open container. An object's members are in `members` from `firstMember` on.
    enum Frame {
        case object(start: Int, firstMember: Int)
        case array(count: Int)
        case single(written: Bool)
    }

    /// One `"key":value` of an open object, as written: `start` is its key's opening quote.
    struct Member {
        var start: Int
        var keyEnd: Int  // after the key's closing quote
        var end: Int
        /// The key's first eight bytes, big-endian, zero-padded: most keys differ there, so
        /// most comparisons are one integer comparison (keys hold no zero bytes; those are
        /// escaped, and left to Foundation).
        var prefix: UInt64
    }

    var bytes: [UInt8] = []
    private(set) var frames: [Frame] = []
    private var members: [Member] = []
    private var sorting: [UInt8] = []
    private var ordering: [Member] = []
    /// Set by a container call that cannot throw (opening a container) when the value asks
    /// for something left to Foundation; checked once the value is written.
    var leftToFoundation = false

    init() {
        bytes.reserveCapacity(512)
    }

    // MARK: Values

    mutating func write(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { appendEscaped($0) }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func write(_ value: Bool) {
        value ? append("true") : append("false")
    }

    mutating func writeNull() {
        append("null")
    }

    mutating func write<Integer: FixedWidthInteger>(_ value: Integer) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            let (quotient, digit) = magnitude.quotientAndRemainder(dividingBy: 10)
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: digit))
            magnitude = quotient
        } while magnitude != 0
        bytes[start...].reverse()
    }

    /// `2026-12-01T12:43:45Z`: whole seconds, rounded down, in UTC, as Foundation's `.iso8601`.
    mutating func write(_ date: Date) throws {
        let interval = date.timeIntervalSince1970.rounded(.down)
        guard interval >= 0, interval < 1e12 else { throw LeftToFoundation() }
        let (days, secondOfDay) = Int64(interval).quotientAndRemainder(dividingBy: 86_400)
        guard let civil = CivilDate(daysSince1970: days), civil.year <= 9999 else { throw LeftToFoundation() }
        bytes.append(UInt8(ascii: "\""))
        writeDigits(civil.year, count: 4)
        bytes.append(UInt8(ascii: "-"))
        writeDigits(civil.month, count: 2)
        bytes.append(UInt8(ascii: "-"))
        writeDigits(civil.day, count: 2)
        bytes.append(UInt8(ascii: "T"))
        writeDigits(Int(secondOfDay / 3600), count: 2)
        bytes.append(UInt8(ascii: ":"))
        writeDigits(Int(secondOfDay / 60 % 60), count: 2)
        bytes.append(UInt8(ascii: ":"))
        writeDigits(Int(secondOfDay % 60), count: 2)
        append("Z\"")
    }

    private mutating func writeDigits(_ value: Int, count: Int) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / divisor % 10))
            divisor /= 10
        }
    }

    private mutating func append(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Foundation's escapes: quote, backslash and slash; \b \f \n \r \t; other control bytes
    /// as \u00XX in lower-case hex. Everything else, non-ASCII included, is copied as is.
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var copied = 0
        for index in utf8.indices {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "/") else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[copied..<index]))
            copied = index + 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(contentsOf: [UInt8(ascii: "\\"), byte])
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            default:
                append("\\u00")
                let hex: StaticString = "0123456789abcdef"
                bytes.append(hex.utf8Start[Int(byte >> 4)])
                bytes.append(hex.utf8Start[Int(byte & 0xF)])
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[copied...]))
    }

    // MARK: Containers

    /// Whether the container made at `depth` is the innermost one open (a value may ask its
    /// encoder for its container more than once).
    func isInnermost(_ depth: Int) -> Bool {
        frames.count == depth + 1
    }

    mutating func openObject(at depth: Int) {
        if frames.count == depth {
            frames.append(.object(start: bytes.count, firstMember: members.count))
            bytes.append(UInt8(ascii: "{"))
        } else if !(isInnermost(depth) && frames.last.map({ if case .object = $0 { true } else { false } }) == true) {
            leftToFoundation = true
        }
    }

    mutating func openArray(at depth: Int) {
        if frames.count == depth {
            frames.append(.array(count: 0))
            bytes.append(UInt8(ascii: "["))
        } else {
            leftToFoundation = true
        }
    }

    mutating func openSingle(at depth: Int) {
        if frames.count == depth { frames.append(.single(written: false)) } else { leftToFoundation = true }
    }

    /// Writes `"key":` for the object made at `depth`; returns where the member starts and
    /// where its key ends, for `endMember`.
    mutating func beginMember(_ key: String, of depth: Int) throws -> (start: Int, keyEnd: Int, prefix: UInt64) {
        guard !leftToFoundation, isInnermost(depth), case .object(let start, _) = frames[depth] else { throw LeftToFoundation() }
        if bytes.count > start + 1 { bytes.append(UInt8(ascii: ",")) }
        let memberStart = bytes.count
        bytes.append(UInt8(ascii: "\""))
        var key = key
        // A key that needs escaping would sort by its escapes here: left to Foundation.
        var prefix: UInt64 = 0
        let plain = key.withUTF8 { utf8 in
            bytes.append(contentsOf: utf8)
            for (index, byte) in utf8.prefix(8).enumerated() { prefix |= UInt64(byte) << (56 - 8 * index) }
            return !utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "/") }
        }
        guard plain else { throw LeftToFoundation() }
        bytes.append(UInt8(ascii: "\""))
        let keyEnd = bytes.count
        bytes.append(UInt8(ascii: ":"))
        return (memberStart, keyEnd, prefix)
    }

    mutating func endMember(_ begun: (start: Int, keyEnd: Int, prefix: UInt64)) {
        members.append(Member(start: begun.start, keyEnd: begun.keyEnd, end: bytes.count, prefix: begun.prefix))
    }

    /// Before an element of the array made at `depth`.
    mutating func beginElement(of depth: Int) throws {
        guard !leftToFoundation, isInnermost(depth), case .array(let count) = frames[depth] else { throw LeftToFoundation() }
        if count > 0 { bytes.append(UInt8(ascii: ",")) }
        frames[depth] = .array(count: count + 1)
    }

    /// Before the value of the single-value container made at `depth`; it takes one.
    mutating func beginSingle(at depth: Int) throws {
        guard !leftToFoundation, isInnermost(depth), case .single(false) = frames[depth] else { throw LeftToFoundation() }
        frames[depth] = .single(written: true)
    }

    /// Ends the container the value at `depth` opened: an array's bracket, an object's brace
    /// after its members are put in key order.
    mutating func close(opened depth: Int) throws {
        guard !leftToFoundation, frames.count == depth + 1 else { throw LeftToFoundation() }
        switch frames.removeLast() {
        case .array:
            bytes.append(UInt8(ascii: "]"))
        case .single(let written):
            guard written else { throw LeftToFoundation() }
        case .object(let start, let firstMember):
            try sortMembers(of: start, from: firstMember)
            members.removeSubrange(firstMember...)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Foundation orders keys by their UTF-8 bytes; synthesized `Codable` writes them in the
    /// order the properties are declared. Members out of order are copied once, in order.
    private mutating func sortMembers(of start: Int, from firstMember: Int) throws {
        let written = members[firstMember...]
        if try inOrder(written) { return }
        // Taken out while sorted: the comparisons read the buffer's bytes.
        var order: [Member] = []
        swap(&order, &ordering)
        defer { swap(&order, &ordering) }
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: written)
        order.sort { compareKeys($0, $1) == true }
        guard try inOrder(order[...]) else { throw LeftToFoundation() }
        sorting.removeAll(keepingCapacity: true)
        for (index, member) in order.enumerated() {
            if index > 0 { sorting.append(UInt8(ascii: ",")) }
            sorting.append(contentsOf: bytes[member.start..<member.end])
        }
        bytes.replaceSubrange((start + 1)..., with: sorting)
    }

    /// Whether the keys are in ascending order; throws for a key written twice (Foundation
    /// keeps the last, so it writes that object).
    private func inOrder(_ written: ArraySlice<Member>) throws -> Bool {
        var sorted = true
        for (earlier, later) in zip(written, written.dropFirst()) {
            switch compareKeys(earlier, later) {
            case .some(true): continue
            case .some(false): sorted = false
            case nil: throw LeftToFoundation()
            }
        }
        return sorted
    }

    /// True when `first`'s key sorts before `second`'s, false after, nil when they are equal.
    private func compareKeys(_ first: Member, _ second: Member) -> Bool? {
        if first.prefix != second.prefix { return first.prefix < second.prefix }
        return bytes.withUnsafeBufferPointer { buffer in
            let one = UnsafeBufferPointer(rebasing: buffer[(first.start + 1)..<(first.keyEnd - 1)])
            let other = UnsafeBufferPointer(rebasing: buffer[(second.start + 1)..<(second.keyEnd - 1)])
            if one.elementsEqual(other) { return nil }
            return one.lexicographicallyPrecedes(other)
        }
    }
}

/// A day of the proleptic Gregorian calendar, from days since 1970-01-01 (days ≥ 0).
struct CivilDate {
    let year: Int
    let month: Int
    let day: Int

    /// The days-to-civil algorithm over 400-year eras of 146,097 days, counted from 0000-03-01
    /// so that the leap day ends each year.
    init?(daysSince1970: Int64) {
        guard daysSince1970 >= 0, daysSince1970 < 3_000_000 else { return nil }
        let days = Int(daysSince1970) + 719_468  // 0000-03-01 to 1970-01-01
        let era = days / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // March is 0
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }
}
