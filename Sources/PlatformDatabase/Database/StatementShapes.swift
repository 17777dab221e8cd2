public import SQLKit

/// Batch statements in a few shapes, so that prepared statements are reused. A statement of `n`
/// rows or an `IN` list of `n` values is a text of its own, and each text is prepared apart: the
/// consumers' batches come in every size up to their limit, and under the order load SQLite
/// prepared 4,800 statements in 10 s, 5.5% of the process's CPU, most of it in the one writer.
extension DatabaseEngine {
    /// Where to cut a batch of `count` rows into multi-row statements of at most `limit` rows.
    ///
    /// On SQLite the runs are powers of two, largest first (100 rows: 64, 32, 4), so a batch
    /// statement comes in at most a handful of texts that stay prepared; a statement there costs
    /// no round trip, and running a prepared one is cheaper than preparing a new one. On
    /// PostgreSQL every statement is a round trip, so a batch stays one statement per `limit`
    /// (without a limit, one statement).
    public func statementRuns(of count: Int, atMost limit: Int = .max) -> [Range<Int>] {
        precondition(limit > 0, "a statement takes at least one row")
        var runs: [Range<Int>] = []
        var start = 0
        while start < count {
            let left = min(count - start, limit)
            let length: Int
            switch self {
            case .sqlite: length = 1 << (Int.bitWidth - 1 - left.leadingZeroBitCount)  // the largest power of two ≤ left
            case .postgres: length = left
            }
            runs.append(start..<start + length)
            start += length
        }
        return runs
    }

    /// `INSERT INTO table (columns…) VALUES …` for `rows`, one statement per run of at most
    /// `limit` rows (`statementRuns`), in order.
    public func inserts(into table: String, columns: [String], rows: [[any SQLExpression]], atMost limit: Int) -> [SQLQueryString] {
        statementRuns(of: rows.count, atMost: limit).map { .insert(into: table, columns: columns, rows: Array(rows[$0])) }
    }
}

extension Array {
    /// The values with the last repeated up to the next power of two, for an `IN` list: a
    /// repeat changes nothing there, and lists of 1 to 512 values then come in ten texts instead
    /// of 512 (on both engines: PostgreSQL prepares each text once per connection as well).
    public func paddedForInList() -> [Element] {
        guard let last, count > 1 else { return self }
        let padded = 1 << (Int.bitWidth - (count - 1).leadingZeroBitCount)  // the smallest power of two ≥ count
        return self + repeatElement(last, count: padded - count)
    }
}
