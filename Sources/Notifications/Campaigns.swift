import Foundation
import Platform
import PlatformCore
import PlatformEvents
import PlatformHTTP
import SQLKit

struct CreateCampaignPayload: RequestPayload {
    static let allowedFields: Set<String> = ["name", "schedule", "preference", "title", "body"]
    let name: String
    let schedule: String
    let preference: String
    let title: String
    let body: String

    func validate() -> [FieldError] {
        var errors = [
            Validate.length(name, field: "name", max: 200), Validate.length(title, field: "title", max: 200),
            Validate.length(body, field: "body", max: 5000),
        ].compactMap { $0 }
        do {
            _ = try CronSchedule(schedule)
        } catch {
            errors.append(FieldError(field: "schedule", message: "must be a 5-field cron expression in UTC: \(error)"))
        }
        if preference != "promotions" { errors.append(FieldError(field: "preference", message: "must be \"promotions\"")) }
        return errors
    }
}

struct CampaignView: Codable, Sendable {
    let id: String
    let name: String
    let schedule: String
    let preference: String
    let title: String
    let body: String
    let createdAt: Date
}

/// Admin-defined promotional messages sent on a cron schedule to every user who allows
/// promotions. The scheduler enqueues each run once (even with several schedulers); the run's
/// notifications carry the run's key, so a retried run never reaches a user twice.
struct Campaigns: Sendable {
    static let jobKind = "notifications.campaign-run"
    let platform: PlatformContext
    let scheduler: SchedulerService

    struct RunPayload: Codable, Sendable {
        let campaignId: String
    }

    static func taskName(_ id: String) -> String { "campaign:\(id)" }

    func create(_ payload: CreateCampaignPayload) async throws -> CampaignView {
        let cron = try CronSchedule(payload.schedule)
        let view = CampaignView(
            id: UUID().uuidString.lowercased(), name: payload.name, schedule: cron.description, preference: payload.preference,
            title: payload.title,
            body: payload.body, createdAt: platform.clock.now())
        try await platform.database.transaction { [scheduler] db in
            try await db.insert(into: "campaigns").columns("id", "name", "schedule", "preference", "title", "body", "created_at").values(
                SQLBind(view.id), SQLBind(view.name), SQLBind(view.schedule), SQLBind(view.preference), SQLBind(view.title),
                SQLBind(view.body),
                SQLBind(view.createdAt.millisecondsSince1970)
            ).run()
            try await scheduler.schedule(
                name: Self.taskName(view.id), cron: cron, jobKind: Self.jobKind, payload: RunPayload(campaignId: view.id), on: db)
        }
        return view
    }

    func list(after cursor: KeysetCursor?, limit: Int) async throws -> [CampaignView] {
        try await platform.database.read { db in
            var select = db.select().column("*").from("campaigns")
            if let cursor {
                select = select.where(cursor.olderRows)
            }
            return try await select.orderBy("created_at", .descending).orderBy("id", .descending).limit(limit).all().map(
                CampaignView.init(row:))
        }
    }

    /// Deletes the campaign and its schedule; false when there is no such campaign.
    func delete(id: String) async throws -> Bool {
        try await platform.database.transaction { [scheduler] db in
            let deleted = try await db.raw("DELETE FROM campaigns WHERE id = \(bind: id) RETURNING id").first()
            try await scheduler.unschedule(name: Self.taskName(id), on: db)
            return deleted != nil
        }
    }

    func campaign(id: String) async throws -> CampaignView? {
        try await platform.database.read { db in
            try await db.select().column("*").from("campaigns").where("id", .equal, id).first().map(CampaignView.init(row:))
        }
    }
}

/// One run of a campaign: walks the recipients in pages, one transaction per page.
struct CampaignRunJob: JobHandler {
    var kind: String { Campaigns.jobKind }
    let campaigns: Campaigns
    let inbox: Inbox
    static let pageSize = 500

    func run(_ job: Job) async throws {
        let payload = try job.decode(Campaigns.RunPayload.self)
        guard let campaign = try await campaigns.campaign(id: payload.campaignId) else { return }  // deleted since
        let draft = NotificationDraft(
            kind: "campaign", title: campaign.title, body: campaign.body,
            sourceKey: "campaign:\(campaign.id):\(job.uniqueKey ?? "job-\(job.id)")")
        var after = ""
        while true {
            let page = try await inbox.platform.database.transaction { [inbox, after] db in
                let page = try await RecipientStore.wantingPromotions(after: after, limit: Self.pageSize, on: db)
                try await inbox.deliver(draft, to: page, on: db)
                return page
            }
            guard let last = page.last, page.count == Self.pageSize else { return }
            after = last.userID
        }
    }
}

extension CampaignView {
    init(row: any SQLRow) throws {
        id = try row.decode(column: "id", as: String.self)
        name = try row.decode(column: "name", as: String.self)
        schedule = try row.decode(column: "schedule", as: String.self)
        preference = try row.decode(column: "preference", as: String.self)
        title = try row.decode(column: "title", as: String.self)
        body = try row.decode(column: "body", as: String.self)
        createdAt = Date(millisecondsSince1970: try row.decode(column: "created_at", as: Int64.self))
    }
}
