import Foundation
@testable import PlatformCore
@testable import PlatformDatabase
@testable import PlatformEvents
import SQLKit
import Testing
import TestSupport

@Suite("Concurrent write transactions")
struct ConcurrentTransactionTests {
    struct Refused: Error {}

    /// Sixty transactions at once. On SQLite one task runs their bodies in shared commits, so
    /// this checks that each still behaves as its caller's own: it returns its own value, a body
    /// that throws undoes only its own writes, its statements count for its caller, and the events
    /// it appends carry its caller's request id.
    @Test(arguments: TestEngine.allCases)
    func eachTransactionKeepsItsValueItsFailureItsCountAndItsRequest(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            try await createPingTable(platform)
            @Sendable func write(_ number: Int) async throws -> (value: Int?, statements: Int) {
                let counter = StatementCounter()
                let value = try await StatementCounter.$current.withValue(counter) {
                    try await RequestTrace.$requestID.withValue("request-\(number)") { () -> Int? in
                        do {
                            return try await platform.database.transaction { db in
                                try await db.raw("INSERT INTO pings (consumer, number) VALUES ('writer', \(bind: number))").run()
                                try await platform.events.append(Ping(number: number), on: db)
                                if number.isMultiple(of: 3) { throw Refused() }
                                return number * 10
                            }
                        } catch is Refused {
                            return nil
                        }
                    }
                }
                return (value, counter.statements)
            }
            // What one transaction costs when it runs alone.
            let alone = try await write(1000)
            #expect(alone.statements >= 2, "the insert and the event's append are counted")

            let outcomes = try await withThrowingTaskGroup(of: (Int, Int?, Int).self) { group in
                for number in 1...60 {
                    group.addTask { let outcome = try await write(number); return (number, outcome.value, outcome.statements) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.count == 60)
            for (number, value, statements) in outcomes {
                #expect(value == (number.isMultiple(of: 3) ? nil : number * 10), "transaction \(number)")
                #expect(statements == alone.statements, "transaction \(number) counted \(statements) statements")
            }

            let committed = (1...60).filter { !$0.isMultiple(of: 3) } + [1000]
            #expect(try await pings(platform, consumer: "writer") == committed)
            // On PostgreSQL an event is read once no older transaction in its database is open.
            var events: [EventEnvelope] = []
            try await waitUntil("every committed event is readable", timeout: .seconds(30)) {
                events = try await platform.events.read(after: .start)
                return events.count >= committed.count
            }
            #expect(Set(events.map { "\($0.aggregateID ?? "-") \($0.requestID ?? "-")" }) == Set(committed.map { "ping-\($0) request-\($0)" }))
            #expect(events.count == committed.count)
        }
    }
}
