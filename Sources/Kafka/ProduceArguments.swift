/// Builds the `rd_kafka_vu_t` array `rd_kafka_produceva` takes for one record, in one
/// allocation that also holds the strings it points at (librdkafka copies what it keeps, so
/// the buffer is freed as soon as the call returns).
///
/// `rd_kafka_vu_t` is `{ int vtype; union { ...; char _pad[64]; } u; }`: 72 bytes, the union
/// at offset 8, pointers and sizes at 8, 16 and 24.
struct ProduceArguments {
    private static let entrySize = 72
    private enum ValueType: Int32 {
        case topic = 1, value = 4, key = 5, opaque = 6, messageFlags = 7, header = 9
    }
    private static let copyPayload: Int32 = 0x2  // RD_KAFKA_MSG_F_COPY

    /// Calls `body` with the arguments and their count.
    static func with<Result>(
        _ record: KafkaRecord, opaque: UInt, _ body: (UnsafeRawPointer, Int) -> Result
    ) -> Result {
        let count = 5 + record.headers.count
        var strings: [[UInt8]] = [Array(record.topic.utf8) + [0], Array(record.key.utf8), record.value]
        for header in record.headers {
            strings.append(Array(header.name.utf8) + [0])
            strings.append(Array(header.value.utf8))
        }
        let stringBytes = strings.reduce(0) { $0 + $1.count }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: count * entrySize + stringBytes, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: count * entrySize)

        var cursor = buffer + count * entrySize
        var addresses: [(UnsafeRawPointer, Int)] = []
        for bytes in strings {
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress { cursor.copyMemory(from: base, byteCount: bytes.count) }
            }
            addresses.append((UnsafeRawPointer(cursor), bytes.count))
            cursor += bytes.count
        }

        var index = 0
        func entry(_ type: ValueType, _ words: [Int]) {
            let base = buffer + index * entrySize
            base.storeBytes(of: type.rawValue, as: Int32.self)
            for (offset, word) in words.enumerated() { base.storeBytes(of: word, toByteOffset: 8 + offset * 8, as: Int.self) }
            index += 1
        }
        func address(_ position: Int) -> Int { Int(bitPattern: addresses[position].0) }
        entry(.topic, [address(0)])
        entry(.key, [address(1), addresses[1].1])
        entry(.value, [address(2), addresses[2].1])
        for header in 0..<record.headers.count {
            let name = 3 + header * 2
            entry(.header, [address(name), address(name + 1), addresses[name + 1].1])
        }
        entry(.opaque, [Int(bitPattern: opaque)])
        entry(.messageFlags, [Int(copyPayload)])
        return body(UnsafeRawPointer(buffer), count)
    }
}
