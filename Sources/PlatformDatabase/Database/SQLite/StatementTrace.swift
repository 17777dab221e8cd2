import Foundation
import SQLiteNIO
import Synchronization

/// Every statement this process runs on SQLite, with its values, as JSON lines grouped the way
/// they ran: `{"transaction": true, "statements": [[sql, [values…]], …]}` for a write transaction
/// (a group-commit member), `false` for a read. Off unless `BAZAAR_SQL_TRACE` names a file.
/// `scripts/bench` replays a trace with a plain SQLite client to measure the raw-SQL ceiling of
/// the same work. Values are written as they are: never set it where the data is private.
enum StatementTrace {
    static let path = ProcessInfo.processInfo.environment["BAZAAR_SQL_TRACE"]
    private static let file = Mutex<FileHandle?>(nil)

    typealias Statement = (sql: String, binds: [SQLiteData])

    static func write(transaction: Bool, _ statements: [Statement]) {
        guard let path, !statements.isEmpty else { return }
        let encoded: [Any] = statements.map { statement in
            [statement.sql, statement.binds.map(json)] as [Any]
        }
        guard var line = try? JSONSerialization.data(withJSONObject: ["transaction": transaction, "statements": encoded]) else { return }
        line.append(UInt8(ascii: "\n"))
        file.withLock { handle in
            if handle == nil {
                _ = FileManager.default.createFile(atPath: path, contents: nil)  // if it fails, so does the handle, and nothing is traced
                handle = FileHandle(forWritingAtPath: path)
            }
            handle?.write(line)
        }
    }

    private static func json(_ value: SQLiteData) -> Any {
        switch value {
        case .integer(let integer): integer
        case .float(let double): double
        case .text(let text): text
        case .blob(let buffer): ["blob": Data(buffer.readableBytesView).base64EncodedString()]
        case .null: NSNull()
        }
    }
}
