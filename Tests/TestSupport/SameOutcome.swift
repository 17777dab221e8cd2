import Testing

/// Expects `actual` to give what `expected` gives, or to fail where it fails: for shortcuts
/// that must behave exactly as the general path they stand in for.
public func expectSameOutcome<Value: Equatable>(
    _ label: String, expected: () throws -> Value, actual: () throws -> Value, sourceLocation: SourceLocation = #_sourceLocation
) {
    switch (Result(catching: expected), Result(catching: actual)) {
    case (.success(let expected), .success(let actual)):
        #expect(actual == expected, "\(label)", sourceLocation: sourceLocation)
    case (.failure, .failure):
        break
    case (let expected, let actual):
        Issue.record("\(label): the general path gave \(expected), the shortcut \(actual)", sourceLocation: sourceLocation)
    }
}
