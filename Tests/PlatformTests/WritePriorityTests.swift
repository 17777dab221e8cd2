import Foundation
import Logging
@testable import PlatformDatabase
import SQLKit
import Synchronization
import Testing

/// SQLite's one writer runs the transactions of waiting requests before those of background work
/// (`WritePriority`), and background work still gets a write into every group.
@Suite("Write priority")
struct WritePriorityTests {
    struct Write: QueuedWrite {
        let name: String
        let isBackground: Bool
        func run(on database: any SQLDatabase) async -> Bool { true }
        func finish(_ commit: Result<Void, any Error>) {}
    }

    static func names(_ writes: [any QueuedWrite]?) -> [String] { (writes ?? []).map { ($0 as! Write).name } }

    @Test func aGroupHoldsOneBackgroundWriteWhileRequestsWait() {
        let queue = WriteQueue()
        #expect(queue.enqueue(Write(name: "b1", isBackground: true)))
        for name in ["b2", "b3"] { #expect(!queue.enqueue(Write(name: name, isBackground: true))) }
        for name in ["r1", "r2", "r3", "r4"] { #expect(!queue.enqueue(Write(name: name, isBackground: false))) }
        // Requests first, with the oldest background write.
        #expect(Self.names(queue.next(upTo: 4)) == ["r1", "r2", "r3", "b1"])
        // Joining a group that holds a background write: requests only, while any wait.
        #expect(!queue.enqueue(Write(name: "r5", isBackground: false)))
        #expect(Self.names(queue.more(upTo: 4, holdingBackground: true)) == ["r4", "r5"])
        // No request waits: background writes fill the group.
        #expect(Self.names(queue.more(upTo: 4, holdingBackground: true)) == ["b2", "b3"])
        #expect(queue.next(upTo: 4) == nil)
        // The combining task stopped: the next write must start one.
        #expect(queue.enqueue(Write(name: "r6", isBackground: false)))
    }

    @Test func aGroupOfOneTakesTheRequest() {
        let queue = WriteQueue()
        _ = queue.enqueue(Write(name: "b1", isBackground: true))
        _ = queue.enqueue(Write(name: "r1", isBackground: false))
        #expect(Self.names(queue.next(upTo: 1)) == ["r1"])
        #expect(Self.names(queue.more(upTo: 0, holdingBackground: false)) == [])
        #expect(Self.names(queue.next(upTo: 1)) == ["b1"])
    }

    /// A request's transaction that queued behind background ones runs before them, in the
    /// group of the background write under way.
    @Test func aRequestQueuedBehindBackgroundWritesRunsFirst() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bazaar-priority-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try await SQLiteBackend.open(path: directory.appendingPathComponent("p.sqlite").path, logger: Logger(label: "priority"))
        let ran = RunOrder()
        let (gate, opening) = AsyncStream<Void>.makeStream()
        @Sendable func write(_ name: String, _ priority: WritePriority, waiting: Bool = false) -> Task<Void, any Error> {
            Task {
                try await WritePriority.$current.withValue(priority) {
                    try await database.transaction { _ in
                        ran.names.withLock { $0.append(name) }
                        if waiting { for await _ in gate { break } }
                    }
                }
            }
        }
        let first = write("background 1", .background, waiting: true)
        try await waitFor { ran.names.withLock { $0 } == ["background 1"] }
        var queued: [Task<Void, any Error>] = []
        for name in ["background 2", "background 3"] {
            queued.append(write(name, .background))
            try await waitFor { database.queuedWrites == queued.count }
        }
        let request = write("request", .request)
        try await waitFor { database.queuedWrites == 3 }
        opening.yield()
        opening.finish()
        for task in [first, request] + queued { try await task.value }
        #expect(ran.names.withLock { $0 } == ["background 1", "request", "background 2", "background 3"])
        await database.shutdown()
    }

    final class RunOrder: Sendable {
        let names = Mutex<[String]>([])
    }

    private func waitFor(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }
}
