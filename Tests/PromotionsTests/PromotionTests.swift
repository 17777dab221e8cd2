import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
@testable import PlatformEvents
import Testing
import TestSupport

struct PromotionBody: Decodable, Sendable {
    let id: String
    let title: String
    let amount: Price
    let state: String?
}

struct WalletBody: Decodable, Sendable {
    struct Entry: Decodable, Sendable { let kind: String; let reference: String; let amount: Price; let balanceAfter: Price }
    let balance: Price
    let entries: [Entry]
}

extension TestBazaar {
    func createPromotion(admin: String, amount: Int64, startsAt: String? = nil, endsAt: String? = nil) async throws -> PromotionBody {
        var fields = [#""title":"Spring","description":"A gift","amount":{"amount":\#(amount),"currency":"USD"}"#]
        if let startsAt { fields.append(#""startsAt":"\#(startsAt)""#) }
        if let endsAt { fields.append(#""endsAt":"\#(endsAt)""#) }
        let response = try await request(.post, "/api/v1/admin/promotions", token: admin, json: "{" + fields.joined(separator: ",") + "}")
        guard response.status == .created else { throw UnexpectedStatus(response) }
        return try response.decode(PromotionBody.self)
    }

    func assign(_ promotion: String, to users: [String], admin: String) async throws -> Int {
        struct Result: Decodable { let assigned: Int }
        let ids = users.map { #""\#($0)""# }.joined(separator: ",")
        try await consumersCaughtUp()  // Promotions learns of new users from the event log
        let response = try await request(
            .post, "/api/v1/admin/promotions/\(promotion)/assignments", token: admin, json: #"{"userIds":[\#(ids)]}"#)
        guard response.status == .ok else { throw UnexpectedStatus(response) }
        return try response.decode(Result.self).assigned
    }

    func wallet(_ token: String) async throws -> WalletBody {
        try await request(.get, "/api/v1/wallet", token: token).decode(WalletBody.self)
    }

    /// A product priced `price` and a user with `funds` in the wallet, for paying orders.
    func walletShopper(sku: String, price: Int64, stock: Int, email: String, funds: Int64) async throws -> (productID: String, user: Session) {
        let admin = try await admin().accessToken
        let product = try await createProduct(admin: admin, sku: sku, price: price, stock: stock)
        return (product.id, try await fundedUser(email: email, amount: funds, admin: admin))
    }

    /// A user with `amount` minor units in the wallet, claimed from a fresh promotion.
    func fundedUser(email: String, amount: Int64, admin: String) async throws -> Session {
        let user = try await register(email: email)
        let promotion = try await createPromotion(admin: admin, amount: amount)
        _ = try await assign(promotion.id, to: [user.user.id], admin: admin)
        let claim = try await request(.post, "/api/v1/promotions/\(promotion.id)/claim", token: user.accessToken)
        guard claim.status == .ok else { throw UnexpectedStatus(claim) }
        return user
    }
}

@Suite("Promotions")
struct PromotionTests {
    @Test(arguments: TestEngine.allCases)
    func assignClaimOnceAndSeeTheLedger(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let user = try await app.register(email: "lucky@example.com")
            let promotion = try await app.createPromotion(admin: admin, amount: 2500)
            #expect(try await app.assign(promotion.id, to: [user.user.id], admin: admin) == 1)
            #expect(try await app.assign(promotion.id, to: [user.user.id], admin: admin) == 0)
            let listed = try await app.request(.get, "/api/v1/admin/promotions", token: admin).decode(Page<PromotionBody>.self)
            #expect(listed.items.map(\.id) == [promotion.id])

            let mine = try await app.request(.get, "/api/v1/promotions", token: user.accessToken).decode(Page<PromotionBody>.self)
            #expect(mine.items.map(\.state) == ["available"])
            struct Claim: Decodable { let balance: Price }
            let claim = try await app.request(.post, "/api/v1/promotions/\(promotion.id)/claim", token: user.accessToken)
            #expect(try claim.decode(Claim.self).balance == Price(amount: 2500, currency: "USD"))
            #expect(try await app.request(.post, "/api/v1/promotions/\(promotion.id)/claim", token: user.accessToken).status == .conflict)
            let wallet = try await app.wallet(user.accessToken)
            #expect(wallet.balance.amount == 2500)
            #expect(wallet.entries.map(\.kind) == ["promotion"])
            #expect(
                try await app.request(.get, "/api/v1/promotions", token: user.accessToken).decode(Page<PromotionBody>.self).items.map(
                    \.state) == ["claimed"])

            let log = app.bazaar.platform.events
            for type in ["promotion.created", "promotion.assigned", "promotion.claimed", "wallet.credited"] {
                #expect(try await log.recent(type: type, limit: 5).count == 1, "\(type)")
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func myPromotionsArePagedMostRecentlyAssignedFirst(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let user = try await app.register(email: "collector@example.com")
            var assigned: [String] = []
            for index in 0..<5 {
                let promotion = try await app.createPromotion(admin: admin, amount: 100 + Int64(index))
                _ = try await app.assign(promotion.id, to: [user.user.id], admin: admin)
                assigned.append(promotion.id)
                if index % 2 == 0 { app.clock.advance(by: 1) }  // some share a millisecond: the id breaks the tie
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await app.request(
                    .get, "/api/v1/promotions?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: user.accessToken
                )
                .decode(Page<PromotionBody>.self)
                #expect(page.items.count <= 2)
                seen += page.items.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            try #require(seen.count == 5)
            #expect(Set(seen[0..<2]) == Set(assigned[3...4]))  // assigned in the same millisecond
            #expect(Set(seen[2..<4]) == Set(assigned[1...2]))
            #expect(seen[4] == assigned[0])
            for query in ["limit=0", "limit=101", "limit=x", "cursor=not-a-cursor"] {
                let response = try await app.request(.get, "/api/v1/promotions?\(query)", token: user.accessToken)
                #expect(response.status == .badRequest, "\(query)")
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func twoClaimsAtOnceCreditOnce(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let user = try await app.register(email: "racer@example.com")
            let promotion = try await app.createPromotion(admin: admin, amount: 1000)
            _ = try await app.assign(promotion.id, to: [user.user.id], admin: admin)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await app.request(.post, "/api/v1/promotions/\(promotion.id)/claim", token: user.accessToken).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 9)
            let wallet = try await app.wallet(user.accessToken)
            #expect(wallet.balance.amount == 1000)
            #expect(wallet.entries.count == 1)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func claimsOnlyInsideTheWindowAndOnlyYourOwn(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let now = app.clock.now()
            let iso = { (date: Date) in date.formatted(.iso8601) }
            let later = try await app.createPromotion(
                admin: admin, amount: 100, startsAt: iso(now.addingTimeInterval(3600)), endsAt: iso(now.addingTimeInterval(7200)))
            let user = try await app.register(email: "window@example.com")
            let other = try await app.register(email: "other@example.com")
            _ = try await app.assign(later.id, to: [user.user.id], admin: admin)

            #expect(
                try await app.request(.get, "/api/v1/promotions", token: user.accessToken).decode(Page<PromotionBody>.self).items.map(
                    \.state) == ["upcoming"])
            #expect(try await app.request(.post, "/api/v1/promotions/\(later.id)/claim", token: user.accessToken).status == .conflict)
            #expect(try await app.request(.post, "/api/v1/promotions/\(later.id)/claim", token: other.accessToken).status == .notFound)
            #expect(try await app.request(.post, "/api/v1/promotions/nope/claim", token: user.accessToken).status == .notFound)
            app.clock.advance(by: 7201)
            let token = try await app.login(email: "window@example.com", password: "password-123").accessToken  // the old one expired too
            #expect(
                try await app.request(.get, "/api/v1/promotions", token: token).decode(Page<PromotionBody>.self).items.map(\.state) == [
                    "expired"
                ])
            #expect(try await app.request(.post, "/api/v1/promotions/\(later.id)/claim", token: token).status == .conflict)
            #expect(try await app.wallet(token).balance.amount == 0)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func adminRoutesAndBadInput(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let user = try await app.register(email: "nosy@example.com").accessToken
            let promotion = try await app.createPromotion(admin: admin, amount: 100)
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/api/v1/admin/promotions", #"{"title":"x","description":"","amount":{"amount":1,"currency":"USD"}}"#),
                (.get, "/api/v1/admin/promotions", nil),
                (.post, "/api/v1/admin/promotions/\(promotion.id)/assignments", #"{"userIds":["u"]}"#),
            ]
            for (method, path, body) in routes {
                #expect(try await app.request(method, path, token: user, json: body).status == .forbidden, "\(path)")
                #expect(try await app.request(method, path, json: body).status == .unauthorized, "\(path)")
            }
            for path in ["/api/v1/promotions", "/api/v1/wallet"] { #expect(try await app.request(.get, path).status == .unauthorized) }

            let bad: [(String, String)] = [
                (#"{"title":"x","description":"","amount":{"amount":-5,"currency":"USD"}}"#, "amount.amount"),
                (#"{"title":"x","description":"","amount":{"amount":0,"currency":"USD"}}"#, "amount.amount"),
                (#"{"title":"x","description":"","amount":{"amount":5,"currency":"EUR"}}"#, "amount.currency"),
                (#"{"title":"x","description":"","amount":{"amount":5,"currency":"USD"},"startsAt":"yesterday"}"#, "startsAt"),
                (
                    #"{"title":"x","description":"","amount":{"amount":5,"currency":"USD"},"startsAt":"2030-01-02T00:00:00Z","endsAt":"2030-01-01T00:00:00Z"}"#,
                    "endsAt"
                ),
                (#"{"title":"","description":"","amount":{"amount":5,"currency":"USD"}}"#, "title"),
                (#"{"title":"x","description":"","amount":{"amount":5,"currency":"USD"},"claimed":true}"#, "claimed"),
            ]
            for (body, field) in bad {
                let response = try await app.request(.post, "/api/v1/admin/promotions", token: admin, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(try response.problem().fields.contains(field), "\(body) → \(response.text)")
            }
            for body in [#"{"userIds":[]}"#, #"{"userIds":"u1"}"#, #"{"userIds":[""]}"#, #"{}"#] {
                let response = try await app.request(
                    .post, "/api/v1/admin/promotions/\(promotion.id)/assignments", token: admin, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
            }
            #expect(
                try await app.request(.post, "/api/v1/admin/promotions/missing/assignments", token: admin, json: #"{"userIds":["u"]}"#)
                    .status == .notFound)

            // An id that names nobody refuses the whole request: the known user is not assigned either.
            let known = try await app.register(email: "known@example.com")
            try await app.consumersCaughtUp()
            let ghost = "6c0d1a9e-0000-4000-8000-000000000000"
            let mixed = try await app.request(
                .post, "/api/v1/admin/promotions/\(promotion.id)/assignments", token: admin,
                json: #"{"userIds":["\#(known.user.id)","\#(ghost)"]}"#)
            #expect(mixed.status == .unprocessableContent)
            #expect(try mixed.problem().fields == ["userIds"])
            #expect(mixed.text.contains(ghost) && !mixed.text.contains(known.user.id), "\(mixed.text)")
            #expect(
                try await app.request(.get, "/api/v1/promotions", token: known.accessToken).decode(Page<PromotionBody>.self).items.isEmpty)
            let tooMany = (0...1000).map { #""u\#($0)""# }.joined(separator: ",")
            for body in [#"{"userIds":[\#(tooMany)]}"#, #"{"userIds":[7]}"#, #"{"userIds":null}"#] {
                #expect(
                    try await app.request(.post, "/api/v1/admin/promotions/\(promotion.id)/assignments", token: admin, json: body).status
                        == .unprocessableContent)
            }
            #expect(try await app.assign(promotion.id, to: [known.user.id, known.user.id], admin: admin) == 1)
            #expect(try await app.request(.post, "/api/v1/admin/promotions", token: admin, json: "{").status == .badRequest)
            let listed = try await app.request(.get, "/api/v1/admin/promotions", token: admin).decode(Page<PromotionBody>.self)
            #expect(listed.items.count == 1)
        }
    }
}

@Suite("Wallet payments")
struct WalletPaymentTests {
    @Test(arguments: TestEngine.allCases)
    func debitConfirmDeclineAndRefund(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let (lamp, user) = try await app.walletShopper(sku: "LAMP", price: 3000, stock: 10, email: "payer@example.com", funds: 5000)
            let body = #"{"items":[{"productId":"\#(lamp)","quantity":1}],"paymentMethod":"wallet"}"#

            let first = try await app.placeOrder(token: user.accessToken, json: body).placedOrder()
            #expect(try await app.settled(first.id, token: user.accessToken).status == "confirmed")
            #expect(try await app.wallet(user.accessToken).balance.amount == 2000)

            let second = try await app.placeOrder(token: user.accessToken, json: body).placedOrder()
            let declined = try await app.settled(second.id, token: user.accessToken)
            #expect(declined.status == "rejected")
            #expect(declined.reason == "insufficient balance")
            try await waitUntil("the declined order's stock back") { try await app.product(lamp)?.stock == 9 }

            _ = try await app.request(.post, "/api/v1/orders/\(first.id)/cancel", token: user.accessToken)
            try await waitUntil("the refund") { try await app.wallet(user.accessToken).balance.amount == 5000 }
            try await waitUntil("all stock back") { try await app.product(lamp)?.stock == 10 }
            let wallet = try await app.wallet(user.accessToken)
            #expect(wallet.entries.map(\.kind) == ["order-refund", "order-debit", "promotion"])
            #expect(wallet.entries.map(\.balanceAfter.amount) == [5000, 2000, 5000])
            #expect(try await app.bazaar.platform.events.recent(type: "wallet.debited", limit: 5).count == 1)
            #expect(try await app.bazaar.platform.events.recent(type: "wallet.debit-declined", limit: 5).count == 1)
        }
    }

    /// The wallet tells from what is committed which batches it has work in: reservations of
    /// orders paid on delivery are only recorded, without a transaction that finds nothing.
    @Test(arguments: TestEngine.allCases)
    func onlyBatchesWithAWalletPaymentAreApplied(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let (item, user) = try await app.walletShopper(sku: "ITEM", price: 1000, stock: 10, email: "mixed@example.com", funds: 5000)
            func place(_ method: String) async throws -> String {
                let body = #"{"items":[{"productId":"\#(item)","quantity":1}],"paymentMethod":"\#(method)"}"#
                let id = try await app.placeOrder(token: user.accessToken, json: body).placedOrder().id
                #expect(try await app.settled(id, token: user.accessToken).status == "confirmed")
                return id
            }
            let paidFromWallet = try await place("wallet")
            let paidOnDelivery = try await place("onDelivery")
            try await app.consumersCaughtUp()
            #expect(try await app.wallet(user.accessToken).balance.amount == 4000)

            let wallet = try #require(app.bazaar.consumers.handlers.first { $0.name == "promotions.wallet-payments" })
            let reservations = try await app.bazaar.platform.events.recent(type: StockReserved.type, limit: 10)
            func reservation(of orderID: String) throws -> EventEnvelope {
                try #require(reservations.first { (try? $0.decode(StockReserved.self).orderID) == orderID })
            }
            // Event by event: placing and confirming an order paid on delivery is nothing to the wallet.
            let log = app.bazaar.platform.events
            func event(_ type: String, of orderID: String, where matches: (EventEnvelope) throws -> Bool = { _ in true }) async throws -> EventEnvelope {
                try #require(try await log.recent(type: type, limit: 20).first { $0.aggregateID == orderID && (try? matches($0)) == true })
            }
            let confirmed: (EventEnvelope) throws -> Bool = { try $0.decode(OrderStatusChanged.self).to == "confirmed" }
            #expect(!wallet.acts(on: try await event(OrderPlaced.type, of: paidOnDelivery)))
            #expect(!wallet.acts(on: try await event(OrderStatusChanged.type, of: paidOnDelivery, where: confirmed)))
            #expect(wallet.acts(on: try await event(OrderPlaced.type, of: paidFromWallet)))
            #expect(wallet.acts(on: try reservation(of: paidOnDelivery)))
            // A payload that does not decode is handled, so that it fails there and is parked, not recorded.
            let garbled = EventEnvelope(position: .start, id: "e-0", type: OrderPlaced.type, version: 1, payload: #"{"x":1}"#, occurredAt: Date())
            #expect(wallet.acts(on: garbled))

            let database = app.bazaar.platform.database
            #expect(try await !wallet.acts(onBatch: [reservation(of: paidOnDelivery)], committed: database))
            #expect(try await wallet.acts(onBatch: [reservation(of: paidOnDelivery), reservation(of: paidFromWallet)], committed: database))
            // An order paid from the wallet placed in the same batch has no payment row yet, and counts.
            let placed = try EncodedEvent(
                OrderPlaced(
                    orderID: "not-yet-remembered", userID: "someone", lines: [], total: Money(amount: 1, currency: "EUR"),
                    paymentMethod: "wallet"))
            let unremembered = EventEnvelope(
                position: .start, id: "e-1", type: OrderPlaced.type, version: placed.version, payload: placed.payload, occurredAt: Date())
            #expect(try await wallet.acts(onBatch: [unremembered, reservation(of: paidOnDelivery)], committed: database))
        }
    }

    @Test(arguments: TestEngine.allCases)
    func racingOrdersNeverOverdraw(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let (item, user) = try await app.walletShopper(sku: "ITEM", price: 2000, stock: 100, email: "spender@example.com", funds: 5000)
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let response = try await app.placeOrder(
                            token: user.accessToken, json: #"{"items":[{"productId":"\#(item)","quantity":1}],"paymentMethod":"wallet"}"#
                        )
                        return try response.placedOrder().id
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            var statuses: [String] = []
            for id in ids { statuses.append(try await app.settled(id, token: user.accessToken).status) }
            #expect(statuses.filter { $0 == "confirmed" }.count == 2)
            #expect(statuses.filter { $0 == "rejected" }.count == 4)
            #expect(try await app.wallet(user.accessToken).balance.amount == 1000)
            try await waitUntil("rejected orders' stock back") { try await app.product(item)?.stock == 98 }
        }
    }
}
