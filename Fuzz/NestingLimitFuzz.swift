// libFuzzer target for NestingLimit (built by scripts/fuzz with the scanner's source file).
// Properties checked on every input, for both syntaxes:
//  - the scan ends and never counts deeper than the input has opening brackets;
//  - stopping early above a limit answers exactly limit + 1 when the full depth passes it, and
//    the full depth otherwise, so `allows` agrees with the full scan.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNestingLimit(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    for syntax in [NestingLimit.Syntax.json, .graphQL] {
        let full = NestingLimit.deepest(bytes, syntax: syntax)
        let openers = bytes.filter { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") || (syntax == .graphQL && $0 == UInt8(ascii: "(")) }
            .count
        precondition(full >= 0 && full <= openers, "depth \(full) with \(openers) opening brackets")
        for limit in [0, 1, 3, 32, 64] {
            let stopped = NestingLimit.deepest(bytes, syntax: syntax, stoppingAbove: limit)
            precondition(stopped == (full > limit ? limit + 1 : full), "stopped at \(stopped), full \(full), limit \(limit)")
            precondition(NestingLimit.allows(bytes, syntax: syntax, limit: limit) == (full <= limit))
        }
    }
    return 0
}
