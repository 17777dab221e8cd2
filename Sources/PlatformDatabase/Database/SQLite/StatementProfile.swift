import Foundation
import Synchronization

/// Time spent per SQL text, for finding the statements that cost the most under a benchmark.
/// Off unless `BAZAAR_SQL_PROFILE` names a file; the table is written there when the database
/// closes (`bazaar run` shutting down), most expensive first.
enum StatementProfile {
    static let path = ProcessInfo.processInfo.environment["BAZAAR_SQL_PROFILE"]
    private static let totals = Mutex<[String: (count: Int, time: Duration)]>([:])

    static func record(_ sql: String, _ time: Duration) {
        totals.withLock { totals in
            let previous = totals[sql] ?? (0, .zero)
            totals[sql] = (previous.count + 1, previous.time + time)
        }
    }

    static func write() {
        guard let path else { return }
        let rows = totals.withLock { $0 }.sorted { $0.value.time > $1.value.time }
        let lines = rows.map { sql, entry in
            let micros = Double(entry.time.components.seconds) * 1e6 + Double(entry.time.components.attoseconds) / 1e12
            return String(format: "%10.0f us %8d x %8.1f us  ", micros, entry.count, micros / Double(entry.count)) + sql
        }
        try? (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
