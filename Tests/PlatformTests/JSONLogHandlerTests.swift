import Foundation
import Logging
@testable import PlatformObservability
import Testing

/// Log lines are written by hand (no ICU on the hot path): they must still be JSON that any
/// collector parses, with every character of the message and metadata kept.
@Suite struct JSONLogHandlerTests {
    @Test func aLineIsJSONWithEveryCharacterKept() throws {
        let message = "quote \" backslash \\ newline \n tab \t bell \u{07} nul \u{0} accent é emoji 🛒 </script>"
        let metadata: Logger.Metadata = [
            "request.id": "r-1",
            "nested": .dictionary(["b": .array(["x", .stringConvertible(42)]), "a": "\u{1F}"]),
            "empty": .array([]),
            "level": "ignored: the line's own keys come first and win",
        ]
        let line = JSONLogHandler.line(
            time: "2026-11-30T19:20:00.123Z", level: "info", label: "bazaar", message: message, metadata: metadata)
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.hasPrefix(#"{"time":"2026-11-30T19:20:00.123Z","level":"info","label":"bazaar","message":"#))
        #expect(!text.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["message"] as? String == message)
        #expect(object["level"] as? String == "info")
        #expect(object["request.id"] as? String == "r-1")
        let nested = try #require(object["nested"] as? [String: Any])
        #expect(nested["a"] as? String == "\u{1F}")
        #expect(nested["b"] as? [String] == ["x", "42"])
        #expect((object["empty"] as? [Any])?.isEmpty == true)
        #expect(text.components(separatedBy: #""level":"#).count == 2, "the metadata's own level is left out")
    }

    @Test func theTimeIsISO8601WithMilliseconds() throws {
        #expect(JSONLogHandler.timestamp(Date(timeIntervalSince1970: 1_790_000_000.25)) == "2026-09-21T14:13:20.250Z")
    }
}
