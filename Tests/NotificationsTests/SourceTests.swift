import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Notification sources")
struct SourceTests {
    @Test(arguments: TestEngine.allCases)
    func promotionsHonourThePreference(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let keen = try await app.knownUser("keen@example.com")
            let quiet = try await app.knownUser("quiet@example.com")
            try await app.setPreferences(quiet.accessToken, promotions: false)

            let promotion = try await app.request(
                .post, "/api/v1/admin/promotions", token: admin,
                json: #"{"title":"Spring","description":"A gift","amount":{"amount":1250,"currency":"USD"}}"#)
            struct Created: Decodable { let id: String }
            let id = try promotion.decode(Created.self).id
            try await app.consumersCaughtUp()  // Promotions learns of new users from the event log
            let assign = try await app.request(
                .post, "/api/v1/admin/promotions/\(id)/assignments", token: admin,
                json: #"{"userIds":["\#(keen.user.id)","\#(quiet.user.id)"]}"#)
            #expect(assign.status == .ok)
            let assigned = try await app.awaitNotification(keen.accessToken, kind: "promotion.assigned")
            #expect(assigned.body == "Spring")

            #expect(try await app.request(.post, "/api/v1/promotions/\(id)/claim", token: keen.accessToken).status == .ok)
            let credited = try await app.awaitNotification(keen.accessToken, kind: "wallet.credited")
            #expect(credited.body == "12.50 USD added; your balance is 12.50 USD.")

            // The quiet user's claim is applied too, but neither source speaks to them.
            #expect(try await app.request(.post, "/api/v1/promotions/\(id)/claim", token: quiet.accessToken).status == .ok)
            try await waitUntil("the consumer to pass the quiet user's claim") {
                try await app.bazaar.consumers.lag() == 0
            }
            #expect(try await app.inbox(quiet.accessToken).items.map(\.kind) == ["welcome"])
        }
    }

    @Test(arguments: TestEngine.allCases)
    func orderTransitionsAndConfirmationMail(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let product = try await app.createProduct(admin: admin, sku: "N-1", stock: 10)
            let tracked = try await app.knownUser("tracked@example.com")
            let untracked = try await app.knownUser("untracked@example.com")
            let unmailed = try await app.knownUser("unmailed@example.com")
            try await app.setPreferences(untracked.accessToken, orderUpdates: false)
            try await app.setPreferences(unmailed.accessToken, email: false)

            let order = try await app.placeOrder(token: tracked.accessToken, items: [(product.id, 1)])
            #expect(try await app.settled(order.id, token: tracked.accessToken).status == "confirmed")
            let confirmed = try await app.awaitNotification(tracked.accessToken, kind: "order.status")
            #expect(confirmed.body == "Order \(order.id.prefix(8)) is confirmed.")
            let mail = try await poll("the confirmation mail") {
                try await app.mail(to: "tracked@example.com", admin: admin).first { $0.subject == "Your Bazaar order is confirmed" }
            }
            #expect(mail.body.contains(order.id))

            #expect(try await app.request(.post, "/api/v1/orders/\(order.id)/cancel", token: tracked.accessToken).status == .ok)
            try await waitUntil("the cancellation notice") {
                try await app.inbox(tracked.accessToken).items.contains { $0.body == "Order \(order.id.prefix(8)) was cancelled." }
            }

            // orderUpdates off: no notification, but the confirmation is still mailed.
            let quietOrder = try await app.placeOrder(token: untracked.accessToken, items: [(product.id, 1)])
            _ = try await app.settled(quietOrder.id, token: untracked.accessToken)
            _ = try await poll("the confirmation mail") {
                try await app.mail(to: "untracked@example.com", admin: admin).first { $0.subject == "Your Bazaar order is confirmed" }
            }
            // email off: the notification, and no mail.
            let unmailedOrder = try await app.placeOrder(token: unmailed.accessToken, items: [(product.id, 1)])
            _ = try await app.settled(unmailedOrder.id, token: unmailed.accessToken)
            _ = try await app.awaitNotification(unmailed.accessToken, kind: "order.status")
            try await waitUntil("the consumers and mail jobs to finish") { try await app.bazaar.consumers.lag() == 0 }
            try await waitUntil("the mail queue to drain") { try await app.bazaar.platform.jobs.counts().queued == 0 }
            #expect(try await app.inbox(untracked.accessToken).items.map(\.kind) == ["welcome"])
            #expect(try await app.mail(to: "unmailed@example.com", admin: admin).map(\.subject) == ["Welcome to Bazaar"])
        }
    }
}
