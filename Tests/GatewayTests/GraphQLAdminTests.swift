import Foundation
import Platform
import Testing
import TestSupport

/// Admin operations through `/graphql`, and the refusals a user gets for them.
@Suite("GraphQL: admin operations")
struct GraphQLAdminTests {
    /// An empty id names nothing: every field taking one answers NOT_FOUND (sent on, it would have
    /// addressed the collection or another route, and come back as a 405 or an internal error).
    @Test(arguments: TestEngine.allCases)
    func anEmptyIdIsNotFoundOnEveryField(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            for mutation in [
                #"adminDeleteProduct(id: "")"#, #"adminDeleteCampaign(id: "")"#, #"adminSetStock(id: "", stock: 1) { id }"#,
                #"adminUpdateProduct(id: "", name: "x") { id }"#, #"cancelOrder(id: "") { id }"#,
            ] {
                let answer = try await app.graphQL("mutation { \(mutation) }", token: admin)
                #expect(answer.codes == ["NOT_FOUND"], "\(mutation): \(answer.json)")
            }
        }
    }

    @Test(arguments: TestEngine.allCases)
    func adminsManageProductsOrdersUsersAndCampaigns(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let created = try await app.graphQLData(
                #"mutation { adminCreateProduct(name: "Lamp", description: "Bright", price: {amount: 2500, currency: "USD"}, stock: 3, sku: "GQL-LAMP") { id stock } }"#,
                token: admin)
            let productID = try #require(created["adminCreateProduct"]["id"].string)
            let renamed = try await app.graphQLData(
                #"mutation { adminUpdateProduct(id: "\#(productID)", name: "Desk lamp") { name description } }"#, token: admin)
            #expect(renamed["adminUpdateProduct"]["name"].string == "Desk lamp")
            #expect(renamed["adminUpdateProduct"]["description"].string == "Bright")
            let stocked = try await app.graphQLData(#"mutation { adminSetStock(id: "\#(productID)", stock: 7) { stock } }"#, token: admin)
            #expect(stocked["adminSetStock"]["stock"].int == 7)
            // The change shows on the next read (the product cache was emptied).
            #expect(try await app.graphQLData(#"{ product(id: "\#(productID)") { name stock } }"#)["product"]["stock"].int == 7)

            let buyer = try await app.register(email: "gql-buyer@example.com")
            let order = try await app.placeOrder(token: buyer.accessToken, items: [(productID, 1)])
            _ = try await app.settled(order.id, token: buyer.accessToken)
            let listed = try await app.graphQLData(
                #"{ adminOrders(status: confirmed, userId: "\#(buyer.user.id)") { nodes { id userId items { product { name } } } } }"#,
                token: admin)
            #expect(listed["adminOrders"]["nodes"].array.map { $0["id"].string } == [order.id])
            let shipped = try await app.graphQLData(
                #"mutation { adminSetOrderStatus(id: "\#(order.id)", status: shipped) { status } }"#, token: admin)
            #expect(shipped["adminSetOrderStatus"]["status"].string == "shipped")
            let backwards = try await app.graphQL(
                #"mutation { adminSetOrderStatus(id: "\#(order.id)", status: pending) { status } }"#, token: admin)
            #expect(backwards.codes == ["CONFLICT"])

            let users = try await app.graphQLData(
                "{ adminUsers(first: 100) { nodes { id email } pageInfo { hasNextPage } } }", token: admin)
            #expect(users["adminUsers"]["nodes"].array.contains { $0["id"].string == buyer.user.id })
            #expect(
                try await app.graphQLData(#"{ adminUser(id: "\#(buyer.user.id)") { email } }"#, token: admin)["adminUser"]["email"].string
                    == "gql-buyer@example.com")
            let promoted = try await app.graphQLData(
                #"mutation { adminSetUserRole(id: "\#(buyer.user.id)", role: admin) { role } }"#, token: admin)
            #expect(promoted["adminSetUserRole"]["role"].string == "admin")

            let campaign = try await app.graphQLData(
                #"mutation { adminCreateCampaign(name: "Weekly", schedule: "0 9 * * 1", title: "Deals", body: "This week") { id preference } }"#,
                token: admin)
            let campaignID = try #require(campaign["adminCreateCampaign"]["id"].string)
            #expect(campaign["adminCreateCampaign"]["preference"].string == "promotions")
            #expect(
                try await app.graphQLData("{ adminCampaigns { nodes { id } } }", token: admin)["adminCampaigns"]["nodes"].array.count == 1)
            let badCron = try await app.graphQL(
                #"mutation { adminCreateCampaign(name: "Bad", schedule: "every day", title: "t", body: "b") { id } }"#, token: admin)
            #expect(badCron.codes == ["BAD_USER_INPUT"])
            #expect(badCron.errors[0]["extensions"]["errors"][0]["field"].string == "schedule")
            #expect(
                try await app.graphQLData(#"mutation { adminDeleteCampaign(id: "\#(campaignID)") }"#, token: admin)["adminDeleteCampaign"]
                    .bool == true)
            #expect(
                try await app.graphQLData(#"mutation { adminDeleteProduct(id: "\#(productID)") }"#, token: admin)["adminDeleteProduct"].bool
                    == true)
            #expect(try await app.graphQLData(#"{ product(id: "\#(productID)") { id } }"#)["product"].isNull)
            #expect(
                try await app.graphQLData("{ adminPromotions { nodes { id } } }", token: admin)["adminPromotions"]["nodes"].array.isEmpty)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func usersAndStrangersAreRefusedAndNothingIsWritten(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let user = try await app.register(email: "not-admin@example.com")
            let adminOperations = [
                #"mutation { adminCreateProduct(name: "X", description: "", price: {amount: 1, currency: "USD"}, stock: 1, sku: "NOPE") { id } }"#,
                #"mutation { adminCreatePromotion(title: "X", description: "", amount: {amount: 1, currency: "USD"}) { id } }"#,
                #"mutation { adminCreateCampaign(name: "X", schedule: "* * * * *", title: "t", body: "b") { id } }"#,
                #"mutation { adminSetUserRole(id: "\#(user.user.id)", role: admin) { role } }"#,
                "{ adminUsers { nodes { id } } }", "{ adminOrders { nodes { id } } }", "{ adminCampaigns { nodes { id } } }",
            ]
            for operation in adminOperations {
                #expect(try await app.graphQL(operation, token: user.accessToken).codes == ["FORBIDDEN"], "\(operation)")
                #expect(try await app.graphQL(operation).codes == ["UNAUTHENTICATED"], "\(operation)")
            }
            #expect(try await app.graphQLData("{ products { nodes { id } } }")["products"]["nodes"].array.isEmpty)
            #expect(try await app.graphQLData("{ me { role } }", token: user.accessToken)["me"]["role"].string == "user")
            let admin = try await app.admin().accessToken
            #expect(
                try await app.graphQLData("{ adminPromotions { nodes { id } } adminCampaigns { nodes { id } } }", token: admin)[
                    "adminPromotions"]["nodes"].array.isEmpty)

            // Bad input reaches the module's validation and comes back as field errors; nothing is written.
            let bad = try await app.graphQL(
                #"mutation { adminCreateProduct(name: "", description: "", price: {amount: -5, currency: "usd"}, stock: -1, sku: "bad sku!") { id } }"#,
                token: admin)
            #expect(bad.codes == ["BAD_USER_INPUT"])
            #expect(bad.errors[0]["extensions"]["status"].int == 422)
            #expect(Set(bad.errors[0]["extensions"]["errors"].array.compactMap { $0["field"].string }).isSuperset(of: ["stock", "sku"]))
            let wrongType = try await app.graphQL(#"mutation { adminSetStock(id: "x", stock: "many") { stock } }"#, token: admin)
            #expect(wrongType.codes == ["GRAPHQL_VALIDATION_FAILED"])
            let outOfRange = try await app.graphQL(#"{ products(first: 1000) { nodes { id } } }"#)
            #expect(outOfRange.codes == ["BAD_USER_INPUT"])
            #expect(try await app.graphQLData("{ products { nodes { id } } }")["products"]["nodes"].array.isEmpty)
        }
    }
}
