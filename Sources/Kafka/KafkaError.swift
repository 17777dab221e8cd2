/// What can go wrong talking to Kafka, in words an operator can act on.
public enum KafkaError: Error, Equatable, CustomStringConvertible {
    case libraryMissing
    case symbolMissing(String)
    case configuration(String)
    case broker(code: Int32, message: String)

    public var description: String {
        switch self {
        case .libraryMissing:
            "librdkafka is not installed (Debian: apt-get install librdkafka1) or BAZAAR_LIBRDKAFKA does not name it; it is needed only when Kafka brokers are set"
        case .symbolMissing(let name): "the installed librdkafka has no \(name); version 1.9 or later is needed"
        case .configuration(let message): message
        case .broker(let code, let message): "\(message) (librdkafka error \(code))"
        }
    }
}
