import PostgresKit
import PostgresNIO
import SQLKit

/// A PostgreSQL row as SQLKit reads it, with the column types nearly every statement uses
/// decoded by PostgresNIO straight from the cell. PostgresKit's row builds a coding path (a
/// string interpolated from the column's name and index), looks up a protocol conformance and
/// checks its workarounds for every value it decodes: under the order load that was 5.7% of the
/// process's CPU, for a few dozen columns an order. Anything else — another type, a PostgreSQL
/// type PostgresKit reinterprets (user-defined enums as text, numeric as Double) — goes to
/// PostgresKit, so every value decodes as it would there.
struct PostgresSQLRow: SQLRow {
    private let row: PostgresRow
    private let cells: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.row = row
        cells = row.makeRandomAccess()
    }

    /// PostgresKit's view of the row, for what the fast path leaves.
    private var general: some SQLRow { row.sql() }

    var allColumns: [String] { cells.map(\.columnName) }

    func contains(column: String) -> Bool { cells.contains(column) }

    func decodeNil(column: String) throws -> Bool { !cells.contains(column) || cells[column].bytes == nil }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard cells.contains(column), let (kind, optional) = Self.kinds[ObjectIdentifier(D.self)] else {
            return try general.decode(column: column, as: D.self)
        }
        let cell = cells[column]
        guard cell.bytes != nil else {
            // A NULL is nil for an optional; anything else gets PostgresKit's error.
            guard optional else { return try general.decode(column: column, as: D.self) }
            return kind.none as! D
        }
        // The casts cannot fail: `kinds` names only these types and their optionals.
        switch kind {
        case .text where !cell.dataType.isUserDefined: return try cell.decode(String.self) as! D
        case .integer: return try cell.decode(Int.self) as! D
        case .integer64: return try cell.decode(Int64.self) as! D
        case .flag: return try cell.decode(Bool.self) as! D
        case .real where cell.dataType != .numeric: return try cell.decode(Double.self) as! D
        default: return try general.decode(column: column, as: D.self)
        }
    }

    private enum Kind {
        case text, integer, integer64, flag, real

        /// Nil of the optional of the kind's type.
        var none: Any {
            switch self {
            case .text: String?.none as Any
            case .integer: Int?.none as Any
            case .integer64: Int64?.none as Any
            case .flag: Bool?.none as Any
            case .real: Double?.none as Any
            }
        }
    }

    /// By type, looked up once (see `SQLiteValues.kinds`).
    private static let kinds: [ObjectIdentifier: (kind: Kind, optional: Bool)] = [
        ObjectIdentifier(String.self): (.text, false), ObjectIdentifier(String?.self): (.text, true),
        ObjectIdentifier(Int.self): (.integer, false), ObjectIdentifier(Int?.self): (.integer, true),
        ObjectIdentifier(Int64.self): (.integer64, false), ObjectIdentifier(Int64?.self): (.integer64, true),
        ObjectIdentifier(Bool.self): (.flag, false), ObjectIdentifier(Bool?.self): (.flag, true),
        ObjectIdentifier(Double.self): (.real, false), ObjectIdentifier(Double?.self): (.real, true),
    ]
}
