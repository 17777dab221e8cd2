/// One message to publish: the key picks the partition, so records with the same key keep
/// their order.
public struct KafkaRecord: Sendable, Equatable {
    public let topic: String
    public let key: String
    public let value: [UInt8]
    public let headers: [(name: String, value: String)]

    public init(topic: String, key: String, value: [UInt8], headers: [(name: String, value: String)]) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.topic == rhs.topic && lhs.key == rhs.key && lhs.value == rhs.value
            && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
    }
}

/// What the broker answered for one record: nil when it was stored, else why not.
public typealias KafkaDelivery = KafkaError?
