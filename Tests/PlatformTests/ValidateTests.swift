import PlatformHTTP
import Testing

/// Lengths and blanks as the OpenAPI document states them (minLength/maxLength count Unicode
/// scalars; the pattern `\S` as clients evaluate it), so that what schemathesis generates as
/// valid is accepted and what it generates as invalid is refused.
@Suite("Validate")
struct ValidateTests {
    @Test(arguments: [" ", "\t\n", "\u{2003}\u{00A0}", "\u{1C}", "\u{1F} \u{85}", ""])
    func blanksOnlyIsEmpty(value: String) {
        #expect(Validate.length(value, field: "name", max: 10)?.message == "must not be empty")
    }

    @Test func lengthsCountUnicodeScalars() {
        // "é" written as e + a combining accent: one character, two scalars.
        let decomposed = String(repeating: "e\u{301}", count: 3)
        #expect(decomposed.count == 3)
        #expect(Validate.length(decomposed, field: "name", max: 5) != nil)
        #expect(Validate.length(decomposed, field: "name", max: 6) == nil)
        #expect(Validate.length(" a ", field: "name", max: 3) == nil)
        #expect(Validate.length("\u{200B}", field: "name", max: 3) == nil)  // not whitespace in Unicode nor in \s
    }
}
