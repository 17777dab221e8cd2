import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import Notifications
@testable import PlatformDatabase
@testable import PlatformEvents
import Testing
import TestSupport

struct CampaignBody: Decodable, Sendable {
    let id: String
    let name: String
    let schedule: String
    let preference: String
}

@Suite("Campaigns")
struct CampaignTests {
    static let everyMinute =
        #"{"name":"Weekly deals","schedule":"* * * * *","preference":"promotions","title":"Deals","body":"This week only"}"#

    @Test(arguments: TestEngine.allCases)
    func eachRunReachesEachOptedInUserOnceWithTwoSchedulers(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            var keen: [Session] = []
            for index in 0..<3 { keen.append(try await app.knownUser("keen\(index)@example.com")) }
            let quiet = try await app.knownUser("quiet@example.com")
            try await app.setPreferences(quiet.accessToken, promotions: false)
            try await waitUntil("preferences to reach Notifications") { try await app.bazaar.consumers.lag() == 0 }

            let created = try await app.request(.post, "/api/v1/admin/campaigns", token: admin, json: Self.everyMinute)
            #expect(created.status == .created)
            let campaign = try created.decode(CampaignBody.self)

            // A second scheduler on the same database, as another process would run; both tick at once.
            let rival = SchedulerService(queue: app.bazaar.platform.jobs, logger: app.bazaar.platform.logger)
            app.clock.advance(by: 61)
            async let mine = app.bazaar.scheduler.tick()
            async let theirs = rival.tick()
            #expect(try await mine + theirs == 1)

            for user in keen {
                _ = try await app.awaitNotification(user.accessToken, kind: "campaign")
            }
            try await waitUntil("the run to finish") { try await app.bazaar.platform.jobs.counts().queued == 0 }

            // The same run delivered again (a worker whose lease ran out) writes nothing new.
            let rerun = Job(
                id: 0, kind: Campaigns.jobKind, payload: #"{"campaignId":"\#(campaign.id)"}"#, attempts: 2, maxAttempts: 5,
                uniqueKey: try await Self.runKey(of: campaign.id, app: app))
            let handler = try #require(app.bazaar.jobWorker.handlers[Campaigns.jobKind])
            try await handler.run(rerun)
            for user in keen {
                #expect(try await app.inbox(user.accessToken).items.filter { $0.kind == "campaign" }.count == 1)
            }
            #expect(try await app.inbox(quiet.accessToken).items.map(\.kind) == ["welcome"])

            // The next minute is a new run.
            app.clock.advance(by: 60)
            #expect(try await app.bazaar.scheduler.tick() + rival.tick() == 1)
            let first = keen[0].accessToken
            try await waitUntil("the second run") {
                try await app.inbox(first).items.filter { $0.kind == "campaign" }.count == 2
            }
        }
    }

    /// A run writes each page's notifications and their events in one INSERT each per run of
    /// rows (`DatabaseEngine.statementRuns`): a few more statements for 40 recipients than for 3
    /// on SQLite, the same on PostgreSQL, never one per recipient.
    @Test(arguments: TestEngine.allCases)
    func aRunCostsNoStatementPerRecipient(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let campaign = try await app.request(.post, "/api/v1/admin/campaigns", token: admin, json: Self.everyMinute).decode(
                CampaignBody.self)
            try await app.consumersCaughtUp()  // the admin is a recipient too
            let database = app.bazaar.platform.database
            @Sendable func addRecipients(_ range: Range<Int>) async throws {
                try await database.transaction { db in
                    for index in range {
                        try await RecipientStore.insert(
                            Recipient(userID: "user-\(index)", email: "u\(index)@example.com", name: "U", preferences: .defaults), on: db)
                    }
                }
            }
            @Sendable func statementsOfARun(_ key: String) async throws -> Int {
                let handler = try #require(app.bazaar.jobWorker.handlers[Campaigns.jobKind])
                let job = Job(
                    id: 0, kind: Campaigns.jobKind, payload: #"{"campaignId":"\#(campaign.id)"}"#, attempts: 1, maxAttempts: 5,
                    uniqueKey: key)
                let counter = StatementCounter()
                try await StatementCounter.$current.withValue(counter) { try await handler.run(job) }
                return counter.statements
            }
            @Sendable func campaignRows() async throws -> Int {
                try await database.read { db in
                    try await db.raw("SELECT COUNT(*) AS n FROM notifications WHERE kind = 'campaign'").first()!.decode(
                        column: "n", as: Int.self)
                }
            }
            try await addRecipients(0..<3)
            let few = try await statementsOfARun("run-1")
            #expect(try await campaignRows() == 4)
            try await addRecipients(3..<40)
            let many = try await statementsOfARun("run-2")
            #expect(try await campaignRows() == 4 + 41)
            // Each of the page's two INSERTs (notifications, their events) is one statement per
            // run of rows: on PostgreSQL one, on SQLite one per power of two (4 = 4, 41 = 32 + 8 + 1).
            let runs = { (rows: Int) in database.engine.statementRuns(of: rows, atMost: 300).count }
            #expect(many - few == 2 * (runs(41) - runs(4)), "a run of 4 recipients took \(few) statements, of 41 took \(many)")
        }
    }

    /// The key the scheduler gave the campaign's first run.
    static func runKey(of campaignID: String, app: TestBazaar) async throws -> String {
        try await app.bazaar.platform.database.read { db in
            try await db.raw("SELECT unique_key FROM jobs WHERE kind = \(bind: Campaigns.jobKind) ORDER BY id LIMIT 1").first()!
                .decode(column: "unique_key", as: String.self)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func adminListsAndDeletesAndBadInputIsRefused(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let created = try await app.request(.post, "/api/v1/admin/campaigns", token: admin, json: Self.everyMinute).decode(
                CampaignBody.self)
            struct List: Decodable { let items: [CampaignBody] }
            #expect(try await app.request(.get, "/api/v1/admin/campaigns", token: admin).decode(List.self).items.map(\.id) == [created.id])

            let cases: [(String, [String])] = [
                (#"{"name":"x","schedule":"every day","preference":"promotions","title":"t","body":"b"}"#, ["schedule"]),
                (#"{"name":"x","schedule":"61 * * * *","preference":"promotions","title":"t","body":"b"}"#, ["schedule"]),
                (#"{"name":"x","schedule":"* * * * *","preference":"orderUpdates","title":"t","body":"b"}"#, ["preference"]),
                (#"{"name":"","schedule":"* * * * *","preference":"promotions","title":"t","body":"b"}"#, ["name"]),
                (#"{"name":"x","schedule":5,"preference":"promotions","title":"t","body":"b"}"#, ["schedule"]),
                (#"{"name":"x","preference":"promotions","title":"t","body":"b"}"#, ["schedule"]),
            ]
            for (json, fields) in cases {
                let response = try await app.request(.post, "/api/v1/admin/campaigns", token: admin, json: json)
                #expect(response.status == .unprocessableContent, "\(json)")
                #expect(try response.decode(ProblemReply.self).fields == fields, "\(json)")
            }
            #expect(try await app.request(.post, "/api/v1/admin/campaigns", token: admin, json: "[").status == .badRequest)
            #expect(try await app.request(.get, "/api/v1/admin/campaigns", token: admin).decode(List.self).items.count == 1)

            #expect(try await app.request(.delete, "/api/v1/admin/campaigns/\(created.id)", token: admin).status == .noContent)
            #expect(try await app.request(.delete, "/api/v1/admin/campaigns/\(created.id)", token: admin).status == .notFound)
            #expect(try await app.request(.get, "/api/v1/admin/campaigns", token: admin).decode(List.self).items.isEmpty)
            // A deleted campaign's schedule is gone too.
            app.clock.advance(by: 120)
            #expect(try await app.bazaar.scheduler.tick() == 0)
        }
    }
}
