/// The encoder a value is handed to write itself, and the containers it asks for. Each knows
/// the depth of the container it makes, so the writer can tell a value's own container from
/// one a nested value left open. What Foundation would write differently is reported to the
/// writer, which then leaves the whole value to Foundation.
struct SortedJSONSlot: Encoder {
    let writer: SortedJSONWriter
    let depth: Int

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        writer.buffer.pointee.openObject(at: depth)
        return KeyedEncodingContainer(SortedJSONObject(writer: writer, depth: depth))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        writer.buffer.pointee.openArray(at: depth)
        return SortedJSONArray(writer: writer, depth: depth)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        writer.buffer.pointee.openSingle(at: depth)
        return SortedJSONSingle(writer: writer, depth: depth)
    }
}

struct SortedJSONObject<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: SortedJSONWriter
    let depth: Int

    var codingPath: [any CodingKey] { [] }

    private func member(_ key: Key, _ write: () throws -> Void) throws {
        try writer.failing {
            let begun = try writer.buffer.pointee.beginMember(key.stringValue, of: depth)
            try write()
            writer.buffer.pointee.endMember(begun)
        }
    }

    mutating func encodeNil(forKey key: Key) throws { try member(key) { writer.buffer.pointee.writeNull() } }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try member(key) { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: String, forKey key: Key) throws { try member(key) { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Double, forKey key: Key) throws { throw writer.leaveToFoundation() }
    mutating func encode(_ value: Float, forKey key: Key) throws { throw writer.leaveToFoundation() }
    mutating func encode(_ value: Int, forKey key: Key) throws { try member(key) { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try member(key) { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try member(key) { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try member(key) { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try member(key) { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try member(key) { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try member(key) { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try member(key) { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try member(key) { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try member(key) { writer.buffer.pointee.write(value) } }
    mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws { try member(key) { try writer.encodeValue(value) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        writer.buffer.pointee.leftToFoundation = true
        return KeyedEncodingContainer(SortedJSONObject<NestedKey>(writer: writer, depth: depth))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        writer.buffer.pointee.leftToFoundation = true
        return SortedJSONArray(writer: writer, depth: depth)
    }

    mutating func superEncoder() -> any Encoder {
        writer.buffer.pointee.leftToFoundation = true
        return SortedJSONSlot(writer: writer, depth: depth)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder() }
}

struct SortedJSONArray: UnkeyedEncodingContainer {
    let writer: SortedJSONWriter
    let depth: Int

    var codingPath: [any CodingKey] { [] }
    var count: Int {
        guard writer.buffer.pointee.frames.indices.contains(depth), case .array(let count) = writer.buffer.pointee.frames[depth] else { return 0 }
        return count
    }

    private func element(_ write: () throws -> Void) throws {
        try writer.failing {
            try writer.buffer.pointee.beginElement(of: depth)
            try write()
        }
    }

    mutating func encodeNil() throws { try element { writer.buffer.pointee.writeNull() } }
    mutating func encode(_ value: Bool) throws { try element { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: String) throws { try element { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Double) throws { throw writer.leaveToFoundation() }
    mutating func encode(_ value: Float) throws { throw writer.leaveToFoundation() }
    mutating func encode(_ value: Int) throws { try element { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Int8) throws { try element { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Int16) throws { try element { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Int32) throws { try element { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Int64) throws { try element { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt) throws { try element { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt8) throws { try element { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt16) throws { try element { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt32) throws { try element { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt64) throws { try element { writer.buffer.pointee.write(value) } }
    mutating func encode<Value: Encodable>(_ value: Value) throws { try element { try writer.encodeValue(value) } }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        writer.buffer.pointee.leftToFoundation = true
        return KeyedEncodingContainer(SortedJSONObject<NestedKey>(writer: writer, depth: depth))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        writer.buffer.pointee.leftToFoundation = true
        return self
    }

    mutating func superEncoder() -> any Encoder {
        writer.buffer.pointee.leftToFoundation = true
        return SortedJSONSlot(writer: writer, depth: depth)
    }
}

struct SortedJSONSingle: SingleValueEncodingContainer {
    let writer: SortedJSONWriter
    let depth: Int

    var codingPath: [any CodingKey] { [] }

    private func value(_ write: () throws -> Void) throws {
        try writer.failing {
            try writer.buffer.pointee.beginSingle(at: depth)
            try write()
        }
    }

    mutating func encodeNil() throws { try value { writer.buffer.pointee.writeNull() } }
    mutating func encode(_ value: Bool) throws { try self.value { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: String) throws { try self.value { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Double) throws { throw writer.leaveToFoundation() }
    mutating func encode(_ value: Float) throws { throw writer.leaveToFoundation() }
    mutating func encode(_ value: Int) throws { try self.value { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Int8) throws { try self.value { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Int16) throws { try self.value { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Int32) throws { try self.value { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: Int64) throws { try self.value { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt) throws { try self.value { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt8) throws { try self.value { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt16) throws { try self.value { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt32) throws { try self.value { writer.buffer.pointee.write(value) } }
    mutating func encode(_ value: UInt64) throws { try self.value { writer.buffer.pointee.write(value) } }
    mutating func encode<Value: Encodable>(_ value: Value) throws { try self.value { try writer.encodeValue(value) } }
}
