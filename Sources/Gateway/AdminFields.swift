import GraphQL

/// Admin queries and mutations. The modules refuse them without the admin role (403 becomes a
/// `FORBIDDEN` error); they are named `admin…` so a client sees which need the role.
extension GraphTypes {
    var adminQueryFields: GraphQLFieldMap {
        [
            "adminUsers": field(userConnection, args: pagingArguments) { _, args, request in
                connection(try await request.call(.get, Path.query("admin/users", paging(args))))
            },
            "adminUser": field(user, args: ["id": argument(required(GraphQLID))]) { _, args, request in
                try await request.find("admin/users", id: args["id"])
            },
            "adminOrders": field(
                orderConnection, "Every user's orders, by status and user.",
                args: pagingArguments.merging([("status", argument(orderStatus)), ("userId", argument(GraphQLID))]) { first, _ in first }
            ) { _, args, request in
                let path = Path.query("admin/orders", [("status", args["status"]), ("userId", args["userId"])] + paging(args))
                return try await request.expectingOrderProducts(connection(try await request.call(.get, path)))
            },
            "adminPromotions": field(promotionConnection, args: pagingArguments) { _, args, request in
                connection(try await request.call(.get, Path.query("admin/promotions", paging(args))))
            },
            "adminCampaigns": field(campaignConnection, args: pagingArguments) { _, args, request in
                connection(try await request.call(.get, Path.query("admin/campaigns", paging(args))))
            },
        ]
    }

    var adminMutationFields: GraphQLFieldMap {
        let id: GraphQLArgumentConfigMap = ["id": argument(required(GraphQLID))]
        return [
            "adminCreateProduct": field(
                product,
                args: [
                    "name": argument(required(GraphQLString)), "description": argument(required(GraphQLString)),
                    "price": argument(required(moneyInput)), "stock": argument(required(GraphQLInt)),
                    "sku": argument(required(GraphQLString)),
                ]
            ) { _, args, request in
                try await request.call(.post, "products", body: GraphValues.body(args))
            },
            "adminUpdateProduct": field(
                product, "Changes what is given.",
                args: [
                    "id": argument(required(GraphQLID)), "name": argument(GraphQLString), "description": argument(GraphQLString),
                    "price": argument(moneyInput), "sku": argument(GraphQLString),
                ]
            ) { _, args, request in
                try await request.call(
                    .patch, "products/" + Path.segment(args["id"]),
                    body: GraphValues.body(args, only: ["name", "description", "price", "sku"]))
            },
            "adminDeleteProduct": field(GraphQLBoolean, "Hides the product; past orders keep their lines.", args: id) { _, args, request in
                _ = try await request.call(.delete, "products/" + Path.segment(args["id"]))
                return true
            },
            "adminSetStock": field(product, args: id.merging(["stock": argument(required(GraphQLInt))]) { first, _ in first }) {
                _, args, request in
                try await request.call(
                    .put, "products/\(try Path.segment(args["id"]))/stock", body: GraphValues.body(args, only: ["stock"]))
            },
            "adminSetOrderStatus": field(order, args: id.merging(["status": argument(required(orderStatus))]) { first, _ in first }) {
                _, args, request in
                try await request.call(
                    .put, "admin/orders/\(try Path.segment(args["id"]))/status", body: GraphValues.body(args, only: ["status"]))
            },
            "adminSetUserRole": field(
                user, "Ends that user's sessions.", args: id.merging(["role": argument(required(role))]) { first, _ in first }
            ) {
                _, args, request in
                try await request.call(
                    .put, "admin/users/\(try Path.segment(args["id"]))/role", body: GraphValues.body(args, only: ["role"]))
            },
            "adminCreatePromotion": field(
                promotion,
                args: [
                    "title": argument(required(GraphQLString)), "description": argument(required(GraphQLString)),
                    "amount": argument(required(moneyInput)), "startsAt": argument(GraphQLString, "RFC 3339."),
                    "endsAt": argument(GraphQLString, "RFC 3339."),
                ]
            ) { _, args, request in
                try await request.call(.post, "admin/promotions", body: GraphValues.body(args))
            },
            "adminAssignPromotion": field(
                GraphQLInt, "Returns how many users were newly assigned.",
                args: id.merging(["userIds": argument(list(of: GraphQLID))]) { first, _ in first }
            ) { _, args, request in
                let result = try await request.call(
                    .post, "admin/promotions/\(try Path.segment(args["id"]))/assignments", body: GraphValues.body(args, only: ["userIds"]))
                return (result as? GraphObject)?["assigned"]
            },
            "adminPostNotification": field(
                notification,
                args: [
                    "userId": argument(required(GraphQLID)), "title": argument(required(GraphQLString)),
                    "body": argument(required(GraphQLString)),
                ]
            ) { _, args, request in
                try await request.call(.post, "admin/notifications", body: GraphValues.body(args))
            },
            "adminCreateCampaign": field(
                campaign,
                args: [
                    "name": argument(required(GraphQLString)), "schedule": argument(required(GraphQLString), "5-field cron, UTC."),
                    "preference": argument(GraphQLString, default: .string("promotions")), "title": argument(required(GraphQLString)),
                    "body": argument(required(GraphQLString)),
                ]
            ) { _, args, request in
                try await request.call(.post, "admin/campaigns", body: GraphValues.body(args))
            },
            "adminDeleteCampaign": field(GraphQLBoolean, args: id) { _, args, request in
                _ = try await request.call(.delete, "admin/campaigns/" + Path.segment(args["id"]))
                return true
            },
        ]
    }
}
