import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// librdkafka's C API, opened at run time with `dlopen`.
///
/// Linked at build time it would make every build of Bazaar need `librdkafka-dev`, and
/// `bazaar run` on a laptop without Kafka must build and start with nothing else installed.
/// Opened on demand, only a process given Kafka brokers needs the shared library
/// (`librdkafka1` on Debian), and a missing one is a clear start-up error.
///
/// Only the calls the producer and topic creation use are declared; their shapes follow
/// `rdkafka.h` of librdkafka 2.x (the C ABI has been stable since 1.x).
final class LibRdKafka: @unchecked Sendable {  // immutable after init: function pointers only
    typealias Handle = OpaquePointer

    let confNew: @convention(c) () -> Handle?
    let confSet: @convention(c) (Handle?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int) -> Int32
    let confDestroy: @convention(c) (Handle?) -> Void
    let confSetEvents: @convention(c) (Handle?, Int32) -> Void
    let new: @convention(c) (Int32, Handle?, UnsafeMutablePointer<CChar>?, Int) -> Handle?
    let destroy: @convention(c) (Handle?) -> Void
    let flush: @convention(c) (Handle?, Int32) -> Int32
    let produceva: @convention(c) (Handle?, UnsafeRawPointer?, Int) -> Handle?
    let errorCode: @convention(c) (Handle?) -> Int32
    let errorString: @convention(c) (Handle?) -> UnsafePointer<CChar>?
    let errorDestroy: @convention(c) (Handle?) -> Void
    let err2str: @convention(c) (Int32) -> UnsafePointer<CChar>?
    let queueGetMain: @convention(c) (Handle?) -> Handle?
    let queueNew: @convention(c) (Handle?) -> Handle?
    let queueDestroy: @convention(c) (Handle?) -> Void
    let queuePoll: @convention(c) (Handle?, Int32) -> Handle?
    let eventType: @convention(c) (Handle?) -> Int32
    let eventDestroy: @convention(c) (Handle?) -> Void
    let eventMessageNext: @convention(c) (Handle?) -> UnsafeRawPointer?
    let eventError: @convention(c) (Handle?) -> Int32
    let eventErrorString: @convention(c) (Handle?) -> UnsafePointer<CChar>?
    let newTopicNew: @convention(c) (UnsafePointer<CChar>?, Int32, Int32, UnsafeMutablePointer<CChar>?, Int) -> Handle?
    let newTopicDestroy: @convention(c) (Handle?) -> Void
    let adminOptionsNew: @convention(c) (Handle?, Int32) -> Handle?
    let adminOptionsSetRequestTimeout: @convention(c) (Handle?, Int32, UnsafeMutablePointer<CChar>?, Int) -> Int32
    let adminOptionsDestroy: @convention(c) (Handle?) -> Void
    let createTopics: @convention(c) (Handle?, UnsafeMutablePointer<Handle?>?, Int, Handle?, Handle?) -> Void
    let eventCreateTopicsResult: @convention(c) (Handle?) -> Handle?
    let createTopicsResultTopics: @convention(c) (Handle?, UnsafeMutablePointer<Int>?) -> UnsafePointer<Handle?>?
    let topicResultError: @convention(c) (Handle?) -> Int32
    let topicResultName: @convention(c) (Handle?) -> UnsafePointer<CChar>?
    let topicResultErrorString: @convention(c) (Handle?) -> UnsafePointer<CChar>?
    let version: @convention(c) () -> UnsafePointer<CChar>?
    // Consumer groups.
    let pollSetConsumer: @convention(c) (Handle?) -> Int32
    let consumerPoll: @convention(c) (Handle?, Int32) -> UnsafeMutableRawPointer?
    let messageDestroy: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let messageHeaders: @convention(c) (UnsafeRawPointer?, UnsafeMutablePointer<Handle?>?) -> Int32
    let headerGetAll:
        @convention(c) (
            Handle?, Int, UnsafeMutablePointer<UnsafePointer<CChar>?>?, UnsafeMutablePointer<UnsafeRawPointer?>?, UnsafeMutablePointer<Int>?
        )
            -> Int32
    let topicName: @convention(c) (Handle?) -> UnsafePointer<CChar>?
    let partitionListNew: @convention(c) (Int32) -> Handle?
    let partitionListAdd: @convention(c) (Handle?, UnsafePointer<CChar>?, Int32) -> UnsafeMutableRawPointer?
    let partitionListSetOffset: @convention(c) (Handle?, UnsafePointer<CChar>?, Int32, Int64) -> Int32
    let partitionListDestroy: @convention(c) (Handle?) -> Void
    let subscribe: @convention(c) (Handle?, Handle?) -> Int32
    let commit: @convention(c) (Handle?, Handle?, Int32) -> Int32
    let consumerClose: @convention(c) (Handle?) -> Int32

    // Constants of rdkafka.h.
    static let producer: Int32 = 0
    static let consumer: Int32 = 1
    static let anyPartition: Int32 = -1
    static let eventDeliveryReport: Int32 = 0x1
    static let eventError: Int32 = 0x8
    static let eventCreateTopicsResult: Int32 = 100
    static let adminCreateTopics: Int32 = 1
    static let topicAlreadyExists: Int32 = 36
    static let queueFull: Int32 = -184

    /// The library, opened once per process; throws when it is not installed.
    static func shared() throws(KafkaError) -> LibRdKafka {
        switch loaded {
        case .success(let library): return library
        case .failure(let error): throw error
        }
    }

    private static let loaded: Result<LibRdKafka, KafkaError> = {
        // BAZAAR_LIBRDKAFKA names one build to use (a newer one than the system's, say).
        let chosen = ProcessInfo.processInfo.environment["BAZAAR_LIBRDKAFKA"].map { [$0] }
        for name in chosen ?? ["librdkafka.so.1", "librdkafka.so", "librdkafka.1.dylib", "librdkafka.dylib"] {
            if let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) {
                return Result { () throws(KafkaError) in try LibRdKafka(handle: handle) }
            }
        }
        return .failure(.libraryMissing)
    }()

    private init(handle: UnsafeMutableRawPointer) throws(KafkaError) {
        func symbol<T>(_ name: String) throws(KafkaError) -> T {
            guard let address = dlsym(handle, name) else { throw .symbolMissing(name) }
            return unsafeBitCast(address, to: T.self)
        }
        confNew = try symbol("rd_kafka_conf_new")
        confSet = try symbol("rd_kafka_conf_set")
        confDestroy = try symbol("rd_kafka_conf_destroy")
        confSetEvents = try symbol("rd_kafka_conf_set_events")
        new = try symbol("rd_kafka_new")
        destroy = try symbol("rd_kafka_destroy")
        flush = try symbol("rd_kafka_flush")
        produceva = try symbol("rd_kafka_produceva")
        errorCode = try symbol("rd_kafka_error_code")
        errorString = try symbol("rd_kafka_error_string")
        errorDestroy = try symbol("rd_kafka_error_destroy")
        err2str = try symbol("rd_kafka_err2str")
        queueGetMain = try symbol("rd_kafka_queue_get_main")
        queueNew = try symbol("rd_kafka_queue_new")
        queueDestroy = try symbol("rd_kafka_queue_destroy")
        queuePoll = try symbol("rd_kafka_queue_poll")
        eventType = try symbol("rd_kafka_event_type")
        eventDestroy = try symbol("rd_kafka_event_destroy")
        eventMessageNext = try symbol("rd_kafka_event_message_next")
        eventError = try symbol("rd_kafka_event_error")
        eventErrorString = try symbol("rd_kafka_event_error_string")
        newTopicNew = try symbol("rd_kafka_NewTopic_new")
        newTopicDestroy = try symbol("rd_kafka_NewTopic_destroy")
        adminOptionsNew = try symbol("rd_kafka_AdminOptions_new")
        adminOptionsSetRequestTimeout = try symbol("rd_kafka_AdminOptions_set_request_timeout")
        adminOptionsDestroy = try symbol("rd_kafka_AdminOptions_destroy")
        createTopics = try symbol("rd_kafka_CreateTopics")
        eventCreateTopicsResult = try symbol("rd_kafka_event_CreateTopics_result")
        createTopicsResultTopics = try symbol("rd_kafka_CreateTopics_result_topics")
        topicResultError = try symbol("rd_kafka_topic_result_error")
        topicResultName = try symbol("rd_kafka_topic_result_name")
        topicResultErrorString = try symbol("rd_kafka_topic_result_error_string")
        version = try symbol("rd_kafka_version_str")
        pollSetConsumer = try symbol("rd_kafka_poll_set_consumer")
        consumerPoll = try symbol("rd_kafka_consumer_poll")
        messageDestroy = try symbol("rd_kafka_message_destroy")
        messageHeaders = try symbol("rd_kafka_message_headers")
        headerGetAll = try symbol("rd_kafka_header_get_all")
        topicName = try symbol("rd_kafka_topic_name")
        partitionListNew = try symbol("rd_kafka_topic_partition_list_new")
        partitionListAdd = try symbol("rd_kafka_topic_partition_list_add")
        partitionListSetOffset = try symbol("rd_kafka_topic_partition_list_set_offset")
        partitionListDestroy = try symbol("rd_kafka_topic_partition_list_destroy")
        subscribe = try symbol("rd_kafka_subscribe")
        commit = try symbol("rd_kafka_commit")
        consumerClose = try symbol("rd_kafka_consumer_close")
    }

    /// The text librdkafka wrote into an error buffer.
    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A librdkafka configuration from `settings`, or the setting it refused.
    func configuration(_ settings: [String: String]) throws(KafkaError) -> Handle {
        guard let conf = confNew() else { throw .configuration("librdkafka could not allocate a configuration") }
        var message = [CChar](repeating: 0, count: 512)
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) where confSet(conf, name, value, &message, message.count) != 0 {
            confDestroy(conf)
            throw .configuration("Kafka setting \(name): \(Self.string(message))")
        }
        return conf
    }

    /// A client of `type` made from `conf` (which it then owns).
    func client(type: Int32, conf: Handle) throws(KafkaError) -> Handle {
        var message = [CChar](repeating: 0, count: 512)
        guard let handle = new(type, conf, &message, message.count) else {
            confDestroy(conf)
            throw .configuration(Self.string(message))
        }
        return handle
    }

    func describe(_ code: Int32) -> String {
        err2str(code).map { String(cString: $0) } ?? "error \(code)"
    }
}

/// A librdkafka client handle (and its event queue, when it uses one), shared by the calls and
/// threads of one producer or consumer.
final class KafkaHandle: @unchecked Sendable {  // librdkafka's handles are thread-safe by its contract
    let handle: OpaquePointer
    let events: OpaquePointer?

    init(handle: OpaquePointer, events: OpaquePointer?) {
        self.handle = handle
        self.events = events
    }
}

extension Duration {
    /// The `int timeout_ms` librdkafka's calls take.
    var librdkafkaMilliseconds: Int32 {
        Int32(clamping: components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
