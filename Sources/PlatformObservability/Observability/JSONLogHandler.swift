import Foundation
public import Logging
import Synchronization

/// One JSON object per line on standard output: time, level, label, message and metadata
/// (which carries `request.id` for every line logged while serving a request).
///
/// The line is written here rather than by `JSONSerialization` and `ISO8601DateFormatter`: those
/// go through ICU (a calendar, a time zone, locale-aware key sorting) on every line, which cost
/// CPU per request and megabytes of ICU data in every process's memory. Keys come in a fixed
/// order: time, level, label, message, then the metadata's sorted.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    /// Where each line goes as well (centralized logging), after standard output.
    private let alsoTo: (@Sendable ([UInt8]) -> Void)?
    private static let output = Mutex<Void>(())
    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public init(label: String, level: Logger.Level = .info, alsoTo: (@Sendable ([UInt8]) -> Void)? = nil) {
        self.label = label
        self.logLevel = level
        self.alsoTo = alsoTo
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line = Self.line(
            time: Self.timestamp(Date()), level: event.level.rawValue, label: label, message: event.message.description,
            metadata: merged)
        alsoTo?(line)
        line.append(0x0A)
        Self.output.withLock { _ in FileHandle.standardOutput.write(Data(line)) }
    }

    /// UTC, with milliseconds: `2026-11-30T19:20:00.123Z`.
    static func timestamp(_ date: Date) -> String {
        timeFormat.format(date)
    }

    /// The JSON object of one log line, without its newline.
    static func line(time: String, level: String, label: String, message: String, metadata: Logger.Metadata) -> [UInt8] {
        var writer = JSONLineWriter()
        writer.beginObject()
        writer.member("time") { $0.string(time) }
        writer.member("level") { $0.string(level) }
        writer.member("label") { $0.string(label) }
        writer.member("message") { $0.string(message) }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where !["time", "level", "label", "message"].contains(key) {
            writer.member(key) { $0.metadata(value) }
        }
        writer.endObject()
        return writer.bytes
    }
}

/// Writes JSON text (RFC 8259) into bytes: strings escaped, objects and arrays separated.
struct JSONLineWriter {
    private static let hex = Array("0123456789abcdef".utf8)
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init() { bytes.reserveCapacity(256) }

    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func member(_ key: String, value: (inout JSONLineWriter) -> Void) {
        string(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
        value(&self)
    }

    mutating func metadata(_ value: Logger.MetadataValue) {
        switch value {
        case .string(let string): self.string(string)
        case .stringConvertible(let convertible): self.string(convertible.description)
        case .array(let array):
            separate()
            bytes.append(UInt8(ascii: "["))
            needsComma = false
            for element in array { metadata(element) }
            bytes.append(UInt8(ascii: "]"))
            needsComma = true
        case .dictionary(let dictionary):
            beginObject()
            for (key, element) in dictionary.sorted(by: { $0.key < $1.key }) { member(key) { $0.metadata(element) } }
            endObject()
        }
    }

    mutating func string(_ string: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case ..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30, Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0x0F)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// A comma before a value or key that follows another in the same object or array.
    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }
}
