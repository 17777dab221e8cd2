import GraphQL

/// The read side of the schema: what a signed-in user (or anyone, for the catalog) may ask.
/// Root fields are nullable, so one refused field (say `me` without a token) leaves the others.
extension GraphTypes {
    var queryFields: GraphQLFieldMap {
        [
            "me": field(user, "The signed-in user.") { _, _, request in try await request.call(.get, "users/me") },
            "preferences": field(preferences, "The signed-in user's notification preferences.") { _, _, request in
                try await request.call(.get, "users/me/preferences")
            },
            "products": field(
                productConnection, "Products, newest first; `search` matches name or description.",
                args: pagingArguments.merging(["search": argument(GraphQLString)]) { first, _ in first }
            ) { _, args, request in
                connection(try await request.call(.get, Path.query("products", [("q", args["search"])] + paging(args))))
            },
            "product": field(product, args: ["id": argument(required(GraphQLID))]) { _, args, request in
                try await request.find("products", id: args["id"])
            },
            "cart": field(cart, "The signed-in user's cart, priced now.") { _, _, request in
                try await request.expectingLineProducts(try await request.call(.get, "cart"))
            },
            "orders": field(orderConnection, "The signed-in user's orders, newest first.", args: pagingArguments) { _, args, request in
                try await request.expectingOrderProducts(connection(try await request.call(.get, Path.query("orders", paging(args)))))
            },
            "order": field(order, args: ["id": argument(required(GraphQLID))]) { _, args, request in
                try await request.expectingLineProducts(try await request.find("orders", id: args["id"]))
            },
            "promotions": field(GraphQLList(GraphQLNonNull(promotion)), "Promotions assigned to the signed-in user, with their state.") {
                _, _, request in
                items(of: try await request.call(.get, "promotions?limit=100"))
            },
            "wallet": field(wallet, "Balance and ledger, newest entry first.", args: pagingArguments) { _, args, request in
                withPageInfo(try await request.call(.get, Path.query("wallet", paging(args))))
            },
            "notifications": field(
                notificationConnection, "The signed-in user's inbox, newest first.",
                args: pagingArguments.merging(["unread": argument(GraphQLBoolean, "Only unread ones.", default: .bool(false))]) {
                    first, _ in first
                }
            ) { _, args, request in
                let unread: Map = args["unread"] == .bool(true) ? .string("true") : .null
                return connection(try await request.call(.get, Path.query("notifications", [("unread", unread)] + paging(args))))
            },
        ]
    }
}

extension GraphRequest {
    /// Announces the products of an answer's lines (`items[].productId`), so that asking for
    /// `product` on any line loads them all in one call.
    func expectingLineProducts(_ value: (any Sendable)?) async throws -> (any Sendable)? {
        await products.expect(Self.lineProductIDs(value))
        return value
    }

    func expectingOrderProducts(_ connection: GraphObject) async throws -> GraphObject {
        let orders = (connection["nodes"] as? [(any Sendable)?]) ?? []
        await products.expect(orders.flatMap(Self.lineProductIDs))
        return connection
    }

    private static func lineProductIDs(_ value: (any Sendable)?) -> [String] {
        (((value as? GraphObject)?["items"] as? [(any Sendable)?]) ?? []).compactMap { ($0 as? GraphObject)?.string("productId") }
    }
}
