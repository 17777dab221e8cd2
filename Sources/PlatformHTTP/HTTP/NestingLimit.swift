/// How deeply brackets nest in a text, measured with a flat scan before a recursive parser sees
/// it. Recursive-descent parsers (Foundation's JSON, the GraphQL parser, validator and executor)
/// use one stack frame per level, so a few kilobytes of `{{{{…` end the process with a stack
/// overflow before any depth check on the parsed tree could run. Counting first costs one pass
/// over the bytes and no allocation.
public enum NestingLimit {
    /// Levels a JSON request body, GraphQL variables or a realtime message may nest. Bazaar's own
    /// bodies use three; Foundation's parser would take 512, deep enough to exhaust a small stack.
    public static let json = 32

    public enum Syntax: Sendable {
        /// `{` and `[` nest; strings are `"…"` with backslash escapes.
        case json
        /// `{`, `[` and `(` nest; strings are `"…"` or block strings `"""…"""`; `#` starts a
        /// comment that runs to the end of the line.
        case graphQL
    }

    /// True when no bracket in `bytes` nests deeper than `limit`. Stops at the first level past it.
    public static func allows(_ bytes: some Collection<UInt8>, syntax: Syntax, limit: Int) -> Bool {
        deepest(bytes, syntax: syntax, stoppingAbove: limit) <= limit
    }

    /// True when JSON text nests at most `json` levels.
    public static func allowsJSON(_ bytes: some Collection<UInt8>) -> Bool {
        allows(bytes, syntax: .json, limit: json)
    }

    /// The deepest nesting in `bytes`, or the first depth above `limit` when it goes past.
    /// Unbalanced closers never go below zero: malformed text is the parser's to report.
    public static func deepest(_ bytes: some Collection<UInt8>, syntax: Syntax, stoppingAbove limit: Int = .max) -> Int {
        var scanner = Scanner(syntax: syntax)
        for byte in bytes {
            scanner.consume(byte)
            if scanner.deepest > limit { break }
        }
        return scanner.deepest
    }

    private struct Scanner {
        enum State { case code, string, escaped, blockString, comment }

        let syntax: Syntax
        var state = State.code
        var depth = 0
        var deepest = 0
        /// Consecutive `"` just seen: three open or close a GraphQL block string.
        var quotes = 0
        /// A `\` inside a block string: a following `"""` is text, not the end.
        var blockEscape = false

        init(syntax: Syntax) { self.syntax = syntax }

        mutating func consume(_ byte: UInt8) {
            switch state {
            case .code: code(byte)
            case .string: string(byte)
            case .escaped: state = .string
            case .blockString: blockString(byte)
            case .comment: if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { state = .code }
            }
        }

        private mutating func code(_ byte: UInt8) {
            if byte == UInt8(ascii: "\""), syntax == .json {
                state = .string
                return
            }
            if byte == UInt8(ascii: "\"") {
                quotes += 1
                // `""` then `"` opens a block string in GraphQL; `""` alone is an empty string.
                if quotes == 3 {
                    quotes = 0
                    state = .blockString
                }
                return
            }
            if quotes == 1 {
                // A lone `"` opened a string whose first byte this is.
                quotes = 0
                state = .string
                string(byte)
                return
            }
            quotes = 0
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                open()
            case UInt8(ascii: "("):
                if syntax == .graphQL { open() }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth = max(depth - 1, 0)
            case UInt8(ascii: ")"):
                if syntax == .graphQL { depth = max(depth - 1, 0) }
            case UInt8(ascii: "#"):
                if syntax == .graphQL { state = .comment }
            default:
                break
            }
        }

        private mutating func open() {
            depth += 1
            deepest = max(deepest, depth)
        }

        private mutating func string(_ byte: UInt8) {
            switch byte {
            case UInt8(ascii: "\\"): state = .escaped
            case UInt8(ascii: "\""): state = .code
            // A GraphQL string cannot span lines; the parser will refuse it, the scan resumes.
            case UInt8(ascii: "\n") where syntax == .graphQL: state = .code
            default: break
            }
        }

        private mutating func blockString(_ byte: UInt8) {
            if byte == UInt8(ascii: "\"") {
                quotes += 1
                if quotes == 3 {
                    quotes = 0
                    if blockEscape { blockEscape = false } else { state = .code }
                }
                return
            }
            quotes = 0
            blockEscape = byte == UInt8(ascii: "\\")
        }
    }
}
