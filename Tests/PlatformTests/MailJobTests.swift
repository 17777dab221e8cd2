import Foundation
@testable import PlatformDatabase
@testable import PlatformEvents
import PlatformMail
import Synchronization
import Testing
import TestSupport

@Suite("Mail jobs")
struct MailJobTests {
    /// A batch of mail jobs reaches the mail log in one transaction: eight messages cost the
    /// worker no more statements than two. A job whose payload is not a message fails alone.
    @Test(arguments: TestEngine.allCases)
    func aBatchOfStoredMailIsOneTransactionAndABrokenJobFailsAlone(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            let transport = StoredMailTransport(database: platform.database, clock: platform.clock)
            let worker = JobWorkerService(queue: platform.jobs, handlers: [MailJob(transport: transport)], logger: platform.logger)
            func deliver(_ count: Int, batch: String) async throws -> Int {
                try await platform.database.transaction { db in
                    let messages = (0..<count).map { MailMessage(to: "\(batch)-\($0)@example.com", subject: batch, body: "Hello") }
                    try await MailJob.enqueue(messages, queue: platform.jobs, on: db)
                    try await platform.jobs.enqueue(kind: MailJob.kind, payload: ["not": "a message"], maxAttempts: 1, on: db)
                }
                let counter = StatementCounter()
                let ran = try await StatementCounter.$current.withValue(counter) { try await worker.runNext() }
                #expect(ran)
                return counter.statements
            }
            // A worker's first claim also looks for jobs whose lease ran out; the measured ones do not.
            #expect(try await !worker.runNext())
            let two = try await deliver(2, batch: "two")
            let eight = try await deliver(8, batch: "eight")
            #expect(two > 0)
            #expect(eight == two, "2 messages: \(two) statements, 8 messages: \(eight)")

            let logged = try await MailLog(database: platform.database).recent(to: nil, limit: 50)
            #expect(logged.filter { $0.subject == "two" }.count == 2)
            #expect(logged.filter { $0.subject == "eight" }.count == 8)
            #expect(try await platform.jobs.counts().failed == 2)  // the two broken ones, one attempt each
        }
    }

    /// When the batch cannot be stored, each message is tried on its own: the ones that can be
    /// delivered are, and only the failing one is retried.
    @Test(arguments: TestEngine.allCases)
    func aFailingBatchFallsBackToOneMessageAtATime(engine: TestEngine) async throws {
        try await withPlatform(engine) { platform in
            let transport = RefusingTransport(refused: "bad@example.com")
            let worker = JobWorkerService(queue: platform.jobs, handlers: [MailJob(transport: transport)], logger: platform.logger)
            try await platform.database.transaction { db in
                try await MailJob.enqueue(
                    ["a@example.com", "bad@example.com", "b@example.com"].map { MailMessage(to: $0, subject: "s", body: "b") },
                    queue: platform.jobs, on: db)
            }
            #expect(try await worker.runNext())
            #expect(transport.delivered.withLock { $0 } == ["a@example.com", "b@example.com"])
            #expect(transport.batches.withLock { $0 } == 1)
            #expect(try await platform.jobs.counts().queued == 1)  // the refused one, backing off
        }
    }

    /// All or none per batch, like the mail log; refuses any batch or message to one address.
    final class RefusingTransport: BatchMailTransport, Sendable {
        struct Refused: Error {}
        let refused: String
        let delivered = Mutex<[String]>([])
        let batches = Mutex(0)
        init(refused: String) { self.refused = refused }

        func send(_ message: MailMessage) async throws {
            if message.to == refused { throw Refused() }
            delivered.withLock { $0.append(message.to) }
        }

        func send(all messages: [MailMessage]) async throws {
            batches.withLock { $0 += 1 }
            if messages.contains(where: { $0.to == refused }) { throw Refused() }
            delivered.withLock { $0 += messages.map(\.to) }
        }
    }
}
