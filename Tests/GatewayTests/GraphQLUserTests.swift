import Foundation
import Platform
import Testing
import TestSupport

/// Every user query and mutation through `/graphql`, answered in-process by the modules.
@Suite("GraphQL: user operations")
struct GraphQLUserTests {
    @Test(arguments: TestEngine.allCases)
    func accountProfileAndPreferences(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let registered = try await app.graphQLData(
                #"mutation { register(email: "gql@example.com", password: "password-123", name: "Gee") { accessToken refreshToken user { id email role } } }"#
            )
            #expect(registered["register"]["user"]["email"].string == "gql@example.com")
            #expect(registered["register"]["user"]["role"].string == "user")
            let login = try await app.graphQLData(
                #"mutation($email: String!) { login(email: $email, password: "password-123") { accessToken refreshToken } }"#,
                variables: ["email": .string("gql@example.com")])
            let token = try #require(login["login"]["accessToken"].string)
            let refreshToken = try #require(login["login"]["refreshToken"].string)

            let me = try await app.graphQLData(
                "{ me { id name phone address { city } } preferences { orderUpdates promotions email realtime } }", token: token)
            #expect(me["me"]["name"].string == "Gee")
            #expect(me["me"]["address"].isNull)
            #expect(me["preferences"]["realtime"].bool == true)

            let updated = try await app.graphQLData(
                #"mutation { updateProfile(phone: "+15550100", address: {line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US"}) { phone address { city line2 } } }"#,
                token: token)
            #expect(updated["updateProfile"]["phone"].string == "+15550100")
            #expect(updated["updateProfile"]["address"]["city"].string == "Springfield")
            let cleared = try await app.graphQLData("mutation { updateProfile(phone: null) { name phone address { city } } }", token: token)
            #expect(cleared["updateProfile"]["phone"].isNull)
            #expect(cleared["updateProfile"]["name"].string == "Gee")
            #expect(cleared["updateProfile"]["address"]["city"].string == "Springfield")
            let preferences = try await app.graphQLData(
                "mutation { updatePreferences(orderUpdates: false, promotions: true, email: false, realtime: true) { orderUpdates email } }",
                token: token)
            #expect(preferences["updatePreferences"]["orderUpdates"].bool == false)
            #expect(try await app.request(.get, "/api/v1/users/me/preferences", token: token).text.contains(#""orderUpdates":false"#))

            // Refresh spends the token; logout ends the session.
            let refreshed = try await app.graphQLData(
                #"mutation($t: String!) { refresh(refreshToken: $t) { accessToken refreshToken } }"#,
                variables: ["t": .string(refreshToken)])
            let newToken = try #require(refreshed["refresh"]["accessToken"].string)
            #expect(try await app.graphQLData("{ me { email } }", token: newToken)["me"]["email"].string == "gql@example.com")
            let reused = try await app.graphQL(
                #"mutation($t: String!) { refresh(refreshToken: $t) { accessToken } }"#, variables: ["t": .string(refreshToken)])
            #expect(reused.codes == ["UNAUTHENTICATED"])
            #expect(reused.data["refresh"].isNull)
            let again = try await app.graphQLData(
                #"mutation { login(email: "gql@example.com", password: "password-123") { accessToken refreshToken } }"#)
            let out = try await app.graphQLData(
                #"mutation($t: String!) { logout(refreshToken: $t) }"#, variables: ["t": again["login"]["refreshToken"]],
                token: again["login"]["accessToken"].string)
            #expect(out["logout"].bool == true)
            // A revoked token is refused at the door, like on every route: 401 problem, no GraphQL answer.
            let revoked = try await app.graphQL("{ me { id } }", token: again["login"]["accessToken"].string)
            #expect(revoked.status == .unauthorized)
            #expect(revoked.json["detail"].string?.contains("revoked") == true)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func shoppingOrdersPromotionsAndNotifications(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let mug = try await app.createProduct(admin: admin, sku: "GQL-MUG", name: "Mug", price: 500, stock: 10)
            let pen = try await app.createProduct(admin: admin, sku: "GQL-PEN", name: "Pen", price: 150, stock: 10)
            let buyer = try await app.register(email: "shopper@example.com")
            let token = buyer.accessToken

            // Catalog: search, pages, one product, an unknown one is null without an error.
            let first = try await app.graphQLData(
                #"{ products(first: 1, search: "") { nodes { name price { amount currency } } pageInfo { hasNextPage endCursor } } }"#)
            #expect(first["products"]["nodes"].array.count == 1)
            #expect(first["products"]["pageInfo"]["hasNextPage"].bool == true)
            let after = try #require(first["products"]["pageInfo"]["endCursor"].string)
            let second = try await app.graphQLData(
                #"query($after: String) { products(first: 5, after: $after) { nodes { name } pageInfo { hasNextPage } } }"#,
                variables: ["after": .string(after)])
            // Both were created at the same (test clock) instant, so their order is by id: check the pages cover both once.
            let names = (first["products"]["nodes"].array + second["products"]["nodes"].array).compactMap { $0["name"].string }
            #expect(names.sorted() == ["Mug", "Pen"])
            #expect(second["products"]["pageInfo"]["hasNextPage"].bool == false)
            let searched = try await app.graphQLData(
                #"{ products(search: "pen") { nodes { id } } product(id: "\#(mug.id)") { sku stock } missing: product(id: "nope") { id } }"#
            )
            #expect(searched["products"]["nodes"].array.map { $0["id"].string } == [pen.id])
            #expect(searched["product"]["sku"].string == "GQL-MUG")
            #expect(searched["missing"].isNull)

            // Cart.
            let cart = try await app.graphQLData(
                #"mutation { a: setCartItem(productId: "\#(mug.id)", quantity: 2) { itemCount } b: setCartItem(productId: "\#(pen.id)", quantity: 1) { itemCount total { amount } items { quantity product { name } } } }"#,
                token: token)
            #expect(cart["b"]["total"]["amount"].int == 1150)
            #expect(cart["b"]["items"].array.compactMap { $0["product"]["name"].string }.sorted() == ["Mug", "Pen"])
            let removed = try await app.graphQLData(#"mutation { removeCartItem(productId: "\#(pen.id)") { itemCount } }"#, token: token)
            #expect(removed["removeCartItem"]["itemCount"].int == 2)
            #expect(try await app.graphQLData("{ cart { items { productId quantity } } }", token: token)["cart"]["items"].array.count == 1)

            // Orders: place from the cart with an idempotency key (a replay is the same order), list, read, cancel.
            let place =
                #"mutation($key: String!) { placeOrder(idempotencyKey: $key, fromCart: true, paymentMethod: onDelivery) { id status total { amount } items { name product { stock } } } }"#
            let placed = try await app.graphQLData(place, variables: ["key": .string("gql-order-1")], token: token)
            let orderID = try #require(placed["placeOrder"]["id"].string)
            #expect(placed["placeOrder"]["status"].string == "pending")
            #expect(placed["placeOrder"]["total"]["amount"].int == 1000)
            let replayed = try await app.graphQLData(place, variables: ["key": .string("gql-order-1")], token: token)
            #expect(replayed["placeOrder"]["id"].string == orderID)
            _ = try await app.settled(orderID, token: token)
            let orders = try await app.graphQLData("{ orders { nodes { id status items { quantity product { name } } } } }", token: token)
            #expect(orders["orders"]["nodes"].array.map { $0["id"].string } == [orderID])
            #expect(orders["orders"]["nodes"][0]["status"].string == "confirmed")
            #expect(orders["orders"]["nodes"][0]["items"][0]["product"]["name"].string == "Mug")
            let cancelled = try await app.graphQLData(#"mutation { cancelOrder(id: "\#(orderID)") { status } }"#, token: token)
            #expect(cancelled["cancelOrder"]["status"].string == "cancelled")
            let twice = try await app.graphQL(#"mutation { cancelOrder(id: "\#(orderID)") { status } }"#, token: token)
            #expect(twice.codes == ["CONFLICT"])
            #expect(twice.errors[0]["extensions"]["status"].int == 409)
            #expect(
                try await app.graphQLData(#"{ order(id: "\#(orderID)") { status } }"#, token: token)["order"]["status"].string
                    == "cancelled")
            let cleared = try await app.graphQLData(
                #"mutation { setCartItem(productId: "\#(pen.id)", quantity: 1) { itemCount } clearCart { itemCount } }"#, token: token)
            #expect(cleared["clearCart"]["itemCount"].int == 0)

            // Another user's order is not theirs to see.
            let other = try await app.register(email: "other-shopper@example.com")
            let peek = try await app.graphQL(#"{ order(id: "\#(orderID)") { id } }"#, token: other.accessToken)
            #expect(peek.errors.isEmpty)
            #expect(peek.data["order"].isNull)
            #expect(
                try await app.graphQL(#"mutation { cancelOrder(id: "\#(orderID)") { id } }"#, token: other.accessToken).codes == [
                    "NOT_FOUND"
                ])

            // Promotions and the wallet.
            let promotion = try await app.graphQLData(
                #"mutation { adminCreatePromotion(title: "Ten", description: "Ten off", amount: {amount: 1000, currency: "USD"}) { id } }"#,
                token: admin)
            let promotionID = try #require(promotion["adminCreatePromotion"]["id"].string)
            try await app.consumersCaughtUp()  // Promotions learns of new users from the event log
            let assigned = try await app.graphQLData(
                #"mutation { adminAssignPromotion(id: "\#(promotionID)", userIds: ["\#(buyer.user.id)"]) }"#, token: admin)
            #expect(assigned["adminAssignPromotion"].int == 1)
            #expect(try await app.graphQLData("{ promotions { id state } }", token: token)["promotions"][0]["state"].string == "available")
            let claimed = try await app.graphQLData(
                #"mutation { claimPromotion(id: "\#(promotionID)") { balance { amount } } }"#, token: token)
            #expect(claimed["claimPromotion"]["balance"]["amount"].int == 1000)
            #expect(
                try await app.graphQL(#"mutation { claimPromotion(id: "\#(promotionID)") { balance { amount } } }"#, token: token).codes
                    == ["CONFLICT"])
            let wallet = try await app.graphQLData(
                "{ wallet { balance { amount } entries { kind amount { amount } } pageInfo { hasNextPage } } }", token: token)
            #expect(wallet["wallet"]["balance"]["amount"].int == 1000)
            #expect(wallet["wallet"]["entries"].array.count == 1)

            // Notifications: an admin posts, the user reads one, then all.
            let posted = try await app.graphQLData(
                #"mutation { adminPostNotification(userId: "\#(buyer.user.id)", title: "Hi", body: "There") { id } }"#, token: admin)
            let noteID = try #require(posted["adminPostNotification"]["id"].string)
            // Welcome, promotion and order notifications arrive through the consumers; let them land first.
            try await waitUntil("the notification sources to catch up") { try await app.bazaar.consumers.lag() == 0 }
            let unread = try await app.graphQLData("{ notifications(unread: true) { unreadCount nodes { id title } } }", token: token)
            #expect(unread["notifications"]["nodes"].array.contains { $0["id"].string == noteID })
            let read = try await app.graphQLData(#"mutation { markNotificationRead(id: "\#(noteID)") { readAt } }"#, token: token)
            #expect(read["markNotificationRead"]["readAt"].string != nil)
            let all = try await app.graphQLData("mutation { markAllNotificationsRead }", token: token)
            #expect(all["markAllNotificationsRead"].int == unread["notifications"]["unreadCount"].int.map { $0 - 1 })
            #expect(
                try await app.graphQLData("{ notifications(unread: true) { unreadCount } }", token: token)["notifications"]["unreadCount"]
                    .int == 0)
        }
    }
}
