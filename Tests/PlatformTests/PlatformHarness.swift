import Foundation
import Logging
@testable import Platform
@testable import PlatformAuth
@testable import PlatformCore
@testable import PlatformDatabase
@testable import PlatformEvents
import SQLKit
import TestSupport

/// A migrated platform database on a fresh database of `engine`, without HTTP.
func withPlatform(
    _ engine: TestEngine, clock: ManualWallClock = ManualWallClock(), _ body: @Sendable (PlatformContext) async throws -> Void
) async throws {
    try await withFreshDatabase(engine) { database, logger in
        let platform = PlatformContext(
            database: database, clock: clock, verifier: TokenVerifier(audience: TokenAudience(), accessTokenLifetime: 900, clock: clock),
            logger: logger)
        try await Migrator(database: database, logger: logger).migrate([PlatformMigrations.all])
        try await body(platform)
    }
}

/// A fresh, empty database of `engine`, open and running, with a logger that stays quiet; dropped
/// afterwards, whether `body` succeeds or throws.
func withFreshDatabase(
    _ engine: TestEngine, poolSize: Int = 4, _ body: @Sendable (any Database, Logger) async throws -> Void
) async throws {
    let (location, drop) = try await engine.freshDatabase()
    let logger = {
        var logger = Logger(label: "platform-test")
        logger.logLevel = .critical
        return logger
    }()
    do {
        let database = try await location.open(poolSize: poolSize, logger: logger)
        try await withDatabaseRunning(database) { try await body(database, logger) }
    } catch {
        await drop()
        throw error
    }
    await drop()
}

/// PostgreSQL needs its client's run loop going while queries are made.
func withDatabaseRunning(_ database: any Database, _ body: @Sendable () async throws -> Void) async throws {
    if let postgres = database as? PostgresBackend {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.client.run() }
            do {
                try await body()
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    } else {
        try await body()
        await database.shutdown()
    }
}

struct Ping: DomainEvent, Equatable {
    static let type = "test.ping"
    let number: Int
    var aggregateID: String { "ping-\(number)" }
}

/// Records pings in a table; fails while `failing` is set.
final class RecordingHandler: EventHandler, @unchecked Sendable {
    let name: String
    let handledEvents: [any DomainEvent.Type] = [Ping.self]
    private let lock = NSLock()
    private var _failing: Bool
    private var _calls = 0

    init(name: String = "recorder", failing: Bool = false) {
        self.name = name
        _failing = failing
    }

    var failing: Bool {
        get { lock.withLock { _failing } }
        set { lock.withLock { _failing = newValue } }
    }
    var calls: Int { lock.withLock { _calls } }

    func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
        lock.withLock { _calls += 1 }
        if failing { throw TestFailure() }
        let ping = try event.decode(Ping.self)
        try await db.raw("INSERT INTO pings (consumer, number) VALUES (\(bind: name), \(bind: ping.number))").run()
    }

    struct TestFailure: Error {}
}

func createPingTable(_ platform: PlatformContext) async throws {
    try await platform.database.transaction { db in
        try await db.raw("CREATE TABLE pings (consumer TEXT NOT NULL, number INTEGER NOT NULL)").run()
    }
}

func pings(_ platform: PlatformContext, consumer: String = "recorder") async throws -> [Int] {
    try await platform.database.read { db in
        try await db.raw("SELECT number FROM pings WHERE consumer = \(bind: consumer) ORDER BY number").all().map {
            try $0.decode(column: "number", as: Int.self)
        }
    }
}

func publish(_ platform: PlatformContext, _ numbers: some Sequence<Int>) async throws {
    for number in numbers {
        _ = try await platform.database.transaction { db in try await platform.events.append(Ping(number: number), on: db) }
    }
}
