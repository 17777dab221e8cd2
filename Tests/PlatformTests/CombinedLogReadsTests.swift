import Foundation
@testable import PlatformEvents
import Testing
import TestSupport

/// Reads asked for together are answered by one query, and each gets exactly what a read of its
/// own would have: from its position, of its types, at most its limit, even when the combined
/// query came back full.
struct CombinedLogReadsTests {
    struct Pong: DomainEvent, Equatable {
        static let type = "test.pong"
        let number: Int
        var aggregateID: String { "pong-\(number)" }
    }

    @Test(arguments: TestEngine.allCases)
    func eachReadGetsWhatItsOwnQueryWouldGet(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            for number in 1...12 {
                try await platform.database.transaction { db in
                    try await platform.events.append(Ping(number: number), on: db)
                    if number.isMultiple(of: 3) { try await platform.events.append(Pong(number: number), on: db) }
                }
            }
            let log = platform.events
            // On PostgreSQL events become readable once no older transaction in their database is open.
            var all: [EventEnvelope] = []
            try await waitUntil("all 16 events readable") {
                all = try await log.read(after: .start)
                return all.count == 16
            }
            // Positions spread over the log; a combined query of 5 rows is full for most rounds.
            let asks: [(position: EventPosition, types: [String], limit: Int)] = [
                (.start, [Ping.type], 100), (all[3].position, [Pong.type], 100), (all[7].position, [], 3),
                (all[10].position, [Ping.type, Pong.type], 100), (all[15].position, [Ping.type], 100), (.start, [], 2),
            ]
            for combinedLimit in [5, 500] {
                let reads = CombinedLogReads(log: log, limit: combinedLimit)
                // Several rounds, so that reads asked for while a query runs are answered too.
                for _ in 0..<5 {
                    let answers = try await withThrowingTaskGroup(of: (Int, [EventEnvelope]).self) { group in
                        for (index, ask) in asks.enumerated() {
                            group.addTask { (index, try await reads.read(after: ask.position, types: ask.types, limit: ask.limit)) }
                        }
                        return try await group.reduce(into: [Int: [EventEnvelope]]()) { $0[$1.0] = $1.1 }
                    }
                    for (index, ask) in asks.enumerated() {
                        let alone = try await log.read(after: ask.position, types: ask.types, limit: ask.limit)
                        #expect(answers[index]?.map(\.id) == alone.map(\.id), "read \(index), combined limit \(combinedLimit)")
                    }
                }
                // Reads asked for together did share queries: the comparison above covered the combined path.
                #expect(reads.combinedQueries > 0, "combined limit \(combinedLimit)")
            }
        }
    }
}
