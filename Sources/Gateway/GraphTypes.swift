import GraphQL

/// The object, enum and input types of the schema: the modules' REST resources, with the same
/// field names, so the default resolver reads most fields straight from the module's JSON.
struct GraphTypes {
    let money: GraphQLObjectType
    let address: GraphQLObjectType
    let user: GraphQLObjectType
    let userConnection: GraphQLObjectType
    let preferences: GraphQLObjectType
    let authPayload: GraphQLObjectType
    let product: GraphQLObjectType
    let productConnection: GraphQLObjectType
    let cart: GraphQLObjectType
    let order: GraphQLObjectType
    let orderConnection: GraphQLObjectType
    let promotion: GraphQLObjectType
    let promotionConnection: GraphQLObjectType
    let claimResult: GraphQLObjectType
    let wallet: GraphQLObjectType
    let notification: GraphQLObjectType
    let notificationConnection: GraphQLObjectType
    let campaign: GraphQLObjectType
    let campaignConnection: GraphQLObjectType

    let role: GraphQLEnumType
    let orderStatus: GraphQLEnumType
    let paymentMethod: GraphQLEnumType

    let moneyInput: GraphQLInputObjectType
    let addressInput: GraphQLInputObjectType
    let orderItemInput: GraphQLInputObjectType

    init() throws {
        role = try Self.enumeration("Role", ["user", "admin"])
        orderStatus = try Self.enumeration("OrderStatus", ["pending", "confirmed", "rejected", "shipped", "delivered", "cancelled"])
        paymentMethod = try Self.enumeration("PaymentMethod", ["wallet", "onDelivery"])

        let pageInfo = try GraphQLObjectType(
            name: "PageInfo",
            fields: [
                "hasNextPage": plain(required(GraphQLBoolean)),
                "endCursor": plain(GraphQLString, "Pass as `after` to get the next page."),
            ])
        money = try GraphQLObjectType(
            name: "Money", description: "An amount in integer minor units (cents) and its ISO 4217 currency.",
            fields: ["amount": plain(required(GraphQLInt)), "currency": plain(required(GraphQLString))])
        address = try GraphQLObjectType(
            name: "Address",
            fields: [
                "line1": plain(required(GraphQLString)), "line2": plain(GraphQLString), "city": plain(required(GraphQLString)),
                "postalCode": plain(required(GraphQLString)), "country": plain(required(GraphQLString)),
            ])
        user = try GraphQLObjectType(
            name: "User",
            fields: [
                "id": plain(required(GraphQLID)), "email": plain(required(GraphQLString)), "name": plain(required(GraphQLString)),
                "role": plain(required(role)), "phone": plain(GraphQLString), "address": plain(address),
                "createdAt": plain(required(GraphQLString), "RFC 3339."),
            ])
        preferences = try GraphQLObjectType(
            name: "Preferences",
            fields: [
                "orderUpdates": plain(required(GraphQLBoolean)), "promotions": plain(required(GraphQLBoolean)),
                "email": plain(required(GraphQLBoolean)), "realtime": plain(required(GraphQLBoolean)),
            ])
        authPayload = try GraphQLObjectType(
            name: "AuthPayload",
            fields: [
                "user": plain(required(user)), "accessToken": plain(required(GraphQLString)),
                "refreshToken": plain(required(GraphQLString)),
                "tokenType": plain(required(GraphQLString)), "expiresIn": plain(required(GraphQLInt), "Seconds the access token lives."),
            ])
        product = try GraphQLObjectType(
            name: "Product",
            fields: [
                "id": plain(required(GraphQLID)), "sku": plain(required(GraphQLString)), "name": plain(required(GraphQLString)),
                "description": plain(required(GraphQLString)), "price": plain(required(money)), "stock": plain(required(GraphQLInt)),
                "createdAt": plain(required(GraphQLString)), "updatedAt": plain(required(GraphQLString)),
                "imageUrl": plain(GraphQLString, "Where the product's image is served; null without one."),
            ])
        let product = product
        /// A line's current product, loaded with all the other lines' products in one call.
        let lineProduct = field(product, "The product now (null once deleted); loaded in one batch for the whole answer.") {
            source, _, request in
            guard let id = (source as? GraphObject)?.string("productId") else { return nil }
            return try await request.products.load(id) { ids in
                var found: [String: any Sendable] = [:]
                for item in items(of: try await request.call(.get, "products?ids=" + Path.ids(ids))) {
                    if let object = item as? GraphObject, let id = object.string("id") { found[id] = object }
                }
                return found
            }
        }
        let cartLine = try GraphQLObjectType(
            name: "CartLine",
            fields: [
                "productId": plain(required(GraphQLID)), "name": plain(required(GraphQLString)), "unitPrice": plain(required(money)),
                "quantity": plain(required(GraphQLInt)), "lineTotal": plain(required(money)), "available": plain(required(GraphQLInt)),
                "product": lineProduct,
            ])
        cart = try GraphQLObjectType(
            name: "Cart",
            fields: [
                "items": plain(list(of: cartLine)), "total": plain(money, "Null only when lines are priced in different currencies."),
                "itemCount": plain(required(GraphQLInt)),
            ])
        let orderLine = try GraphQLObjectType(
            name: "OrderLine",
            fields: [
                "productId": plain(required(GraphQLID)), "name": plain(required(GraphQLString), "The name when ordered."),
                "unitPrice": plain(required(money)), "quantity": plain(required(GraphQLInt)), "lineTotal": plain(required(money)),
                "product": lineProduct,
            ])
        order = try GraphQLObjectType(
            name: "Order",
            fields: [
                "id": plain(required(GraphQLID)), "userId": plain(required(GraphQLID)), "status": plain(required(orderStatus)),
                "items": plain(list(of: orderLine)), "total": plain(required(money)), "paymentMethod": plain(required(paymentMethod)),
                "shippingAddress": plain(address), "phone": plain(GraphQLString), "reason": plain(GraphQLString),
                "createdAt": plain(required(GraphQLString)), "updatedAt": plain(required(GraphQLString)),
            ])
        promotion = try GraphQLObjectType(
            name: "Promotion",
            fields: [
                "id": plain(required(GraphQLID)), "title": plain(required(GraphQLString)), "description": plain(required(GraphQLString)),
                "amount": plain(required(money)), "startsAt": plain(GraphQLString), "endsAt": plain(GraphQLString),
                "createdAt": plain(required(GraphQLString)),
                "state": plain(GraphQLString, "For the assigned user: available, claimed, expired or upcoming."),
                "claimedAt": plain(GraphQLString),
            ])
        claimResult = try GraphQLObjectType(name: "ClaimResult", fields: ["balance": plain(required(money))])
        let walletEntry = try GraphQLObjectType(
            name: "WalletEntry",
            fields: [
                "id": plain(required(GraphQLID)), "kind": plain(required(GraphQLString)), "reference": plain(required(GraphQLString)),
                "amount": plain(required(money)), "balanceAfter": plain(required(money)), "createdAt": plain(required(GraphQLString)),
            ])
        wallet = try GraphQLObjectType(
            name: "Wallet",
            fields: ["balance": plain(required(money)), "entries": plain(list(of: walletEntry)), "pageInfo": plain(required(pageInfo))])
        notification = try GraphQLObjectType(
            name: "Notification",
            fields: [
                "id": plain(required(GraphQLID)), "userId": plain(required(GraphQLID)), "kind": plain(required(GraphQLString)),
                "title": plain(required(GraphQLString)), "body": plain(required(GraphQLString)),
                "createdAt": plain(required(GraphQLString)),
                "readAt": plain(GraphQLString), "eventId": plain(required(GraphQLString)),
            ])
        campaign = try GraphQLObjectType(
            name: "Campaign",
            fields: [
                "id": plain(required(GraphQLID)), "name": plain(required(GraphQLString)),
                "schedule": plain(required(GraphQLString), "5-field cron, UTC."), "preference": plain(required(GraphQLString)),
                "title": plain(required(GraphQLString)), "body": plain(required(GraphQLString)),
                "createdAt": plain(required(GraphQLString)),
            ])
        userConnection = try Self.connection("UserConnection", of: user, pageInfo: pageInfo)
        productConnection = try Self.connection("ProductConnection", of: product, pageInfo: pageInfo)
        orderConnection = try Self.connection("OrderConnection", of: order, pageInfo: pageInfo)
        promotionConnection = try Self.connection("PromotionConnection", of: promotion, pageInfo: pageInfo)
        campaignConnection = try Self.connection("CampaignConnection", of: campaign, pageInfo: pageInfo)
        notificationConnection = try Self.connection(
            "NotificationConnection", of: notification, pageInfo: pageInfo, extra: ["unreadCount": plain(required(GraphQLInt))])

        moneyInput = try GraphQLInputObjectType(
            name: "MoneyInput",
            fields: ["amount": InputObjectField(type: required(GraphQLInt)), "currency": InputObjectField(type: required(GraphQLString))])
        addressInput = try GraphQLInputObjectType(
            name: "AddressInput",
            fields: [
                "line1": InputObjectField(type: required(GraphQLString)), "line2": InputObjectField(type: GraphQLString),
                "city": InputObjectField(type: required(GraphQLString)), "postalCode": InputObjectField(type: required(GraphQLString)),
                "country": InputObjectField(type: required(GraphQLString)),
            ])
        orderItemInput = try GraphQLInputObjectType(
            name: "OrderItemInput",
            fields: ["productId": InputObjectField(type: required(GraphQLID)), "quantity": InputObjectField(type: required(GraphQLInt))])
    }

    private static func enumeration(_ name: String, _ values: [String]) throws -> GraphQLEnumType {
        var map: GraphQLEnumValueMap = [:]
        for value in values { map[value] = GraphQLEnumValue(value: .string(value)) }
        return try GraphQLEnumType(name: name, values: map)
    }

    private static func connection(
        _ name: String, of node: GraphQLObjectType, pageInfo: GraphQLObjectType, extra: GraphQLFieldMap = [:]
    ) throws -> GraphQLObjectType {
        var fields: GraphQLFieldMap = ["nodes": plain(list(of: node)), "pageInfo": plain(required(pageInfo))]
        fields.merge(extra) { first, _ in first }
        return try GraphQLObjectType(name: name, fields: fields)
    }
}
