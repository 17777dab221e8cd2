import Foundation
import SQLiteKit
import Testing
import TestSupport

@testable import PlatformDatabase

/// Binds and columns take a shortcut past SQLiteKit for the common types; what is stored and
/// what is read back must stay exactly what SQLiteKit makes of them, errors included.
struct SQLiteValuesTests {
    private struct Address: Codable, Equatable, Sendable {
        let street: String
        let floor: Int?
    }

    @Test
    func bindsBecomeWhatSQLiteKitWouldStore() throws {
        let values: [any Encodable & Sendable] = [
            "text", "", 42, Int64(-7), Int64.max, true, false, 1.5, Optional("some"), String?.none, Int?.none, Optional(3),
            Date(timeIntervalSince1970: 1_700_000_000), UUID(uuidString: "0190f6a4-6a7b-7c1d-8e2f-3a4b5c6d7e8f")!,
            Address(street: "Main 1", floor: nil), SQLiteData.blob(ByteBuffer(bytes: [1, 2, 3])), Int32(5), Float(0.25),
        ]
        let encoder = SQLiteDataEncoder()
        for value in values {
            #expect(try SQLiteValues.data(value) == encoder.encode(value), "\(value)")
        }
    }

    @Test
    func columnsReadBackAsSQLiteKitReadsThem() throws {
        try same(.text("x"), as: String.self)
        try same(.text(""), as: String?.self)
        try same(.null, as: String?.self)
        try same(.integer(5), as: String.self)
        try same(.integer(3), as: Int.self)
        try same(.integer(3), as: Int?.self)
        try same(.null, as: Int?.self)
        try same(.integer(-3), as: Int64.self)
        try same(.integer(3), as: Int64?.self)
        try same(.integer(1), as: Bool.self)
        try same(.integer(0), as: Bool?.self)
        try same(.integer(2), as: Bool.self)
        try same(.float(2.5), as: Double.self)
        try same(.integer(2), as: Double.self)
        try same(.float(2.5), as: Double?.self)
        try same(.text("5"), as: Int.self)
        try same(.null, as: Int.self)
        try same(.text("x"), as: Int64.self)
        try same(.text(#"{"street":"Main 1","floor":2}"#), as: Address.self)
    }

    /// Both give the same value, or both fail.
    private func same<Value: Decodable & Equatable>(_ data: SQLiteData, as type: Value.Type) throws {
        expectSameOutcome(
            "\(data) as \(Value.self)", expected: { try SQLiteDataDecoder().decode(Value.self, from: data) },
            actual: { try SQLiteValues.value(data, as: Value.self) })
    }
}
