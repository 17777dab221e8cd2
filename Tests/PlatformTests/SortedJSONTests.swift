import Foundation
import Testing

@testable import PlatformCore

/// `SortedJSON` writes events and stored answers itself for speed; what it writes must be, byte
/// for byte, what Foundation's encoder with the same settings writes, for every value.
struct SortedJSONTests {
    private enum Status: String, Codable { case pending, confirmed }

    private struct Line: Codable {
        let quantity: Int
        let productId: String
        let price: Int64
    }

    private struct Order: Codable {
        let id: String
        let status: Status
        let lines: [Line]
        let note: String?
        let reason: String?
        let createdAt: Date
        let updatedAt: Date?
        let tags: [String]
        let flags: [Bool?]
        let attributes: [String: Int]
        let small: Int8
        let big: UInt64
        let nested: [[Int]]
    }

    /// The same bytes as Foundation's, written by `SortedJSON` itself unless `leftToFoundation`.
    private func expectSame<Value: Encodable>(
        _ value: Value, leftToFoundation: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let foundation = try SortedJSON.foundation.encode(value)
        #expect(try SortedJSON.encode(value) == Array(foundation), "\(String(decoding: foundation, as: UTF8.self))", sourceLocation: sourceLocation)
        let writtenHere = SortedJSON.writtenHere(value)
        #expect((writtenHere == nil) == leftToFoundation, sourceLocation: sourceLocation)
        if let writtenHere { #expect(writtenHere == Array(foundation), sourceLocation: sourceLocation) }
    }

    @Test
    func objectsArraysAndScalarsAreWrittenAsFoundationWritesThem() throws {
        let order = Order(
            id: "o-1", status: .confirmed,
            lines: [Line(quantity: 2, productId: "p-1", price: -5), Line(quantity: 0, productId: "", price: Int64.min)],
            note: nil, reason: "out of stock", createdAt: Date(timeIntervalSince1970: 1_764_592_425.987), updatedAt: nil,
            tags: ["a", "b/c"], flags: [true, nil, false], attributes: ["zeta": 1, "alpha": 2, "Beta": 3, "ä": 4, "a": 5],
            small: Int8.min, big: UInt64.max, nested: [[], [1, 2], [Int.max]])
        try expectSame(order)
        try expectSame([order, order])
        try expectSame(Optional(order))
        try expectSame([Line]())
        try expectSame([String: Int]())
        try expectSame(Status.pending)
        try expectSame("top-level text")
        try expectSame(42)
        try expectSame(true)
        try expectSame(Int?.none)
        try expectSame([Date(timeIntervalSince1970: 0)])
    }

    @Test
    func stringsAreEscapedAsFoundationEscapesThem() throws {
        var texts = ["", "plain", "quote \" backslash \\ slash /", "\u{8}\u{c}\n\r\t", "\u{0}\u{1}\u{1f}\u{7f}", "ü € 𝄞 👩‍👩‍👧", "</script>"]
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab\"\\/\n\t\u{1}\u{1b} é中🙂")
        for _ in 0..<200 {
            texts.append(String((0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        for text in texts {
            try expectSame(text)
            try expectSame(["key": text])
        }
    }

    @Test
    func keysAreSortedByTheirUTF8Bytes() throws {
        try expectSame(["b": 1, "a": 2, "B": 3, "ab": 4, "a0": 5, "é": 6, "z": 7, "": 8])
        for _ in 0..<50 {
            let keys = (0..<Int.random(in: 1...9)).map { _ in String((0..<Int.random(in: 1...3)).map { _ in "aAbé_1".randomElement()! }) }
            try expectSame(Dictionary(keys.map { ($0, $0.count) }, uniquingKeysWith: { first, _ in first }))
        }
    }

    @Test
    func integersAtTheirLimits() throws {
        try expectSame([Int.min, -1, 0, 1, 9, 10, 99, 100, Int.max])
        try expectSame([Int64.min, Int64.max])
        try expectSame([UInt64.max, 0])
        try expectSame([Int16.min, Int16.max])
        try expectSame([UInt8.max])
        for _ in 0..<200 { try expectSame(Int64.random(in: Int64.min...Int64.max)) }
    }

    @Test
    func datesAreWholeSecondsInUTC() throws {
        var dates = [
            0, 1, 59.999, 86_399, 86_400, 951_782_400, 951_868_800, 4_107_542_400, 253_402_300_799, 1_764_592_425.5,
        ].map(Date.init(timeIntervalSince1970:))
        for _ in 0..<500 { dates.append(Date(timeIntervalSince1970: .random(in: 0..<253_402_300_800))) }
        for date in dates { try expectSame(date) }
    }

    /// What the writer leaves to Foundation still comes out as Foundation writes it.
    @Test
    func whatIsLeftToFoundationIsTheSame() throws {
        struct Measured: Codable {
            let ratio: Double
            let share: Float
        }
        struct Links: Codable {
            let home: URL
            let blob: Data
            let price: Decimal
        }
        struct Nested: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: AnyKey.self)
                var inner = container.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("outer"))
                try inner.encode(1, forKey: AnyKey("inner"))
                try container.encode("x", forKey: AnyKey("after"))
            }
        }
        struct Twice: Encodable {
            let keys: [String]
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: AnyKey.self)
                for (index, key) in keys.enumerated() { try container.encode(index, forKey: AnyKey(key)) }
            }
        }
        struct Empty: Codable {}
        /// Goes on after a write that failed here, as a value may.
        struct Forgiving: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: AnyKey.self)
                try? container.encode(0.5, forKey: AnyKey("ratio"))
                try? container.encode(Data([1]), forKey: AnyKey("blob"))
                try container.encode("x", forKey: AnyKey("name"))
            }
        }
        try expectSame(Measured(ratio: 0.1, share: 2.5), leftToFoundation: true)
        let links = Links(home: URL(string: "https://example.com/a?b=c")!, blob: Data([0, 1, 255]), price: Decimal(string: "12.34")!)
        try expectSame(links, leftToFoundation: true)
        try expectSame(Nested(), leftToFoundation: true)
        try expectSame(Twice(keys: ["same", "same"]), leftToFoundation: true)
        try expectSame(Twice(keys: ["b", "a", "b"]), leftToFoundation: true)
        try expectSame(Twice(keys: ["b", "a", "c"]))
        try expectSame(Empty())
        try expectSame(Forgiving(), leftToFoundation: true)
        try expectSame(["a/b": 1, "a0": 2, "quote\"": 3], leftToFoundation: true)
        for date in [Date(timeIntervalSince1970: -1), Date(timeIntervalSince1970: 253_402_300_800), Date.distantPast] {
            try expectSame([date], leftToFoundation: true)
        }
    }

    @Test
    func aValueThatThrowsReportsFoundationsError() throws {
        struct Refusing: Encodable {
            func encode(to encoder: any Encoder) throws {
                throw EncodingError.invalidValue(0, .init(codingPath: encoder.codingPath, debugDescription: "refused"))
            }
        }
        #expect(throws: EncodingError.self) { try SortedJSON.encode(["a": Refusing()]) }
    }

    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
