import Logging
import NIOCore
import SQLKit
import Synchronization

/// Counts the SQL statements run by the task that set it (and the tasks it starts), so tests can
/// prove that a request costs a fixed number of queries however much data it returns. Unset in
/// production: the backends only wrap their connections while a counter is present.
public final class StatementCounter: Sendable {
    private let count = Atomic<Int>(0)
    public init() {}
    public var statements: Int { count.load(ordering: .relaxed) }
    func increment() { count.add(1, ordering: .relaxed) }

    @TaskLocal public static var current: StatementCounter?

    /// `database`, counting into the current counter when there is one.
    static func counting(_ database: any SQLDatabase) -> any SQLDatabase {
        guard let counter = current else { return database }
        return CountingSQLDatabase(base: database, counter: counter)
    }
}

private struct CountingSQLDatabase: SQLDatabase {
    let base: any SQLDatabase
    let counter: StatementCounter

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        counter.increment()
        return base.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        counter.increment()
        try await base.execute(sql: query, onRow)
    }
}
