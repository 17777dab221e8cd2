@testable import PlatformHTTP
import Testing

/// The flat scan that bounds nesting before a recursive parser runs: brackets inside strings,
/// escapes, GraphQL block strings and comments must not count, or a harmless body is refused and
/// a hostile one slips through.
@Suite("Nesting limit")
struct NestingLimitTests {
    private func json(_ text: String) -> Int { NestingLimit.deepest(Array(text.utf8), syntax: .json) }
    private func graphQL(_ text: String) -> Int { NestingLimit.deepest(Array(text.utf8), syntax: .graphQL) }

    @Test func jsonCountsObjectsAndArraysButNotStrings() {
        #expect(json(#"{"a": [1, {"b": []}]}"#) == 4)
        #expect(json(#"{"a": "{{{[[["}"#) == 1)
        #expect(json(#"{"a": "quote \" then {{{", "b": {}}"#) == 2)
        #expect(json(#"{"a": "backslash \\", "b": {"c": {}}}"#) == 3)
        #expect(json(#"["", {"x": ""}]"#) == 2)
        #expect(json("42") == 0)
        // Parentheses are not JSON brackets; stray closers never count below zero.
        #expect(json("(((") == 0)
        #expect(json("]]]}}} [[") == 2)
    }

    @Test func graphQLCountsSelectionsArgumentsAndLists() {
        #expect(graphQL("{ me { id } }") == 2)
        #expect(graphQL("{ product(id: \"x\") { price { amount } } }") == 3)
        #expect(graphQL("mutation { a(input: {xs: [[1]]}) { id } }") == 5)
        #expect(graphQL("{ a(s: \"{{{{((((\") }") == 2)
        #expect(graphQL("{ a(s: \"esc \\\" {{{\") }") == 2)
        #expect(graphQL("{ a(s: \"\"\"block {{{ \" \"\" \\\"\"\" still {{{ \"\"\") }") == 2)
        #expect(graphQL("# comment {{{{{\n{ a }") == 1)
        #expect(graphQL("{ a(s: \"\") { b } }") == 2)
        // An unterminated one-line string ends at the line; what follows counts again.
        #expect(graphQL("{ a(s: \"open\n{{ }") == 4)
    }

    @Test func aHostileDocumentIsMeasuredWithoutRecursionAndStopsEarly() {
        let deep = String(repeating: "{a", count: 100_000) + String(repeating: "}", count: 100_000)
        #expect(graphQL(deep) == 100_000)
        #expect(NestingLimit.deepest(Array(deep.utf8), syntax: .graphQL, stoppingAbove: 64) == 65)
        #expect(!NestingLimit.allows(Array(deep.utf8), syntax: .graphQL, limit: 64))
        let array = String(repeating: "[", count: 50_000)
        #expect(!NestingLimit.allowsJSON(Array(array.utf8)))
        #expect(NestingLimit.allowsJSON(Array((String(repeating: "[", count: 32) + String(repeating: "]", count: 32)).utf8)))
        #expect(!NestingLimit.allowsJSON(Array((String(repeating: "[", count: 33) + String(repeating: "]", count: 33)).utf8)))
    }
}
