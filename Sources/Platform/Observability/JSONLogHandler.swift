public import Logging
import Foundation
import Synchronization

/// One JSON object per line on standard output: time, level, label, message and metadata
/// (which carries `request.id` for every line logged while serving a request).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    /// Where each line goes as well (centralized logging), after standard output.
    private let alsoTo: (@Sendable ([UInt8]) -> Void)?
    private static let output = Mutex<Void>(())

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
        var object: [String: Any] = [
            "time": ISO8601DateFormatter.logFormatter.string(from: Date()),
            "level": event.level.rawValue,
            "label": label,
            "message": event.message.description,
        ]
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for (key, value) in merged { object[key] = Self.unpack(value) }
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        alsoTo?(Array(data))
        data.append(0x0A)
        Self.output.withLock { _ in FileHandle.standardOutput.write(data) }
    }

    private static func unpack(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let array): array.map(unpack)
        case .dictionary(let dictionary): dictionary.mapValues(unpack)
        }
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let logFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}
