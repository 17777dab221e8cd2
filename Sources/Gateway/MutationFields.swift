import Foundation
import GraphQL
import HTTPTypes
import Platform

/// What a user does: sign up and in, change their profile, shop, claim, read.
extension GraphTypes {
    var mutationFields: GraphQLFieldMap {
        [
            "register": field(
                authPayload,
                args: [
                    "email": argument(required(GraphQLString)), "password": argument(required(GraphQLString)),
                    "name": argument(required(GraphQLString)),
                ]
            ) { _, args, request in
                try await request.call(.post, "auth/register", body: GraphValues.body(args))
            },
            "login": field(authPayload, args: ["email": argument(required(GraphQLString)), "password": argument(required(GraphQLString))]) {
                _, args, request in
                try await request.call(.post, "auth/login", body: GraphValues.body(args))
            },
            "refresh": field(
                authPayload, "Spends the refresh token for a new pair.", args: ["refreshToken": argument(required(GraphQLString))]
            ) {
                _, args, request in
                try await request.call(.post, "auth/refresh", body: GraphValues.body(args))
            },
            "logout": field(GraphQLBoolean, "Ends the session.", args: ["refreshToken": argument(required(GraphQLString))]) {
                _, args, request in
                _ = try await request.call(.post, "auth/logout", body: GraphValues.body(args))
                return true
            },
            "updateProfile": field(
                user, "Changes what is given; `null` clears phone or address.",
                args: ["name": argument(GraphQLString), "phone": argument(GraphQLString), "address": argument(addressInput)]
            ) { _, args, request in
                try await request.call(.patch, "users/me", body: GraphValues.body(args))
            },
            "updatePreferences": field(
                preferences,
                args: [
                    "orderUpdates": argument(required(GraphQLBoolean)), "promotions": argument(required(GraphQLBoolean)),
                    "email": argument(required(GraphQLBoolean)), "realtime": argument(required(GraphQLBoolean)),
                ]
            ) { _, args, request in
                try await request.call(.put, "users/me/preferences", body: GraphValues.body(args))
            },
            "setCartItem": field(
                cart, "Sets a product's quantity in the cart.",
                args: ["productId": argument(required(GraphQLID)), "quantity": argument(required(GraphQLInt))]
            ) { _, args, request in
                try await request.expectingLineProducts(
                    try await request.call(
                        .put, "cart/items/" + Path.segment(args["productId"]), body: GraphValues.body(args, only: ["quantity"])))
            },
            "removeCartItem": field(cart, args: ["productId": argument(required(GraphQLID))]) { _, args, request in
                _ = try await request.call(.delete, "cart/items/" + Path.segment(args["productId"]))
                return try await request.expectingLineProducts(try await request.call(.get, "cart"))
            },
            "clearCart": field(cart) { _, _, request in
                _ = try await request.call(.delete, "cart")
                return try await request.call(.get, "cart")
            },
            "placeOrder": field(
                order, "Places an order (status `pending` until the saga confirms or rejects it). Replaying a key returns the same order.",
                args: [
                    "idempotencyKey": argument(required(GraphQLString)), "items": argument(GraphQLList(GraphQLNonNull(orderItemInput))),
                    "fromCart": argument(GraphQLBoolean), "paymentMethod": argument(required(paymentMethod)),
                ]
            ) { _, args, request in
                let key = args["idempotencyKey"].string ?? ""
                let placed = try await request.call(
                    .post, "orders", body: GraphValues.body(args, only: ["items", "fromCart", "paymentMethod"]),
                    headers: [.idempotencyKey: key])
                return try await request.expectingLineProducts(placed)
            },
            "cancelOrder": field(order, args: ["id": argument(required(GraphQLID))]) { _, args, request in
                try await request.expectingLineProducts(try await request.call(.post, "orders/\(try Path.segment(args["id"]))/cancel"))
            },
            "claimPromotion": field(
                claimResult, "Credits the promotion's amount to the wallet, once.", args: ["id": argument(required(GraphQLID))]
            ) {
                _, args, request in
                try await request.call(.post, "promotions/\(try Path.segment(args["id"]))/claim")
            },
            "markNotificationRead": field(notification, args: ["id": argument(required(GraphQLID))]) { _, args, request in
                try await request.call(.post, "notifications/\(try Path.segment(args["id"]))/read")
            },
            "markAllNotificationsRead": field(GraphQLInt, "Returns how many were unread.") { _, _, request in
                (try await request.call(.post, "notifications/read-all") as? GraphObject)?["updated"]
            },
        ]
    }
}
