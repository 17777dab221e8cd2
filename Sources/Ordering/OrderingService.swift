import Contracts
import Crypto
import Foundation
import Logging
import Platform
import SQLKit

/// Ordering's use cases. Placing an order is idempotent per (user, Idempotency-Key): the key row,
/// the order and its `order.placed` event commit in one transaction, and a replay returns the
/// stored response.
struct OrderingService: Sendable {
    let platform: PlatformContext
    let store: OrderStore
    let catalog: any CatalogClient
    let cart: (any CartClient)?
    let walletPayments: Bool

    struct Reply: Sendable {
        let status: Int
        let body: String
        let replayed: Bool
    }

    func place(_ payload: PlaceOrderPayload, key: String, userID: String, bearerToken: String?) async throws -> Reply {
        if payload.paymentMethod == .wallet && !walletPayments {
            throw Problem.validation([FieldError(field: "paymentMethod", message: "wallet payments are not enabled on this deployment")])
        }
        let hash = requestHash(payload, userID: userID)
        if let stored = try await storedReply(userID: userID, key: key, hash: hash) { return stored }

        let requested = try await requestedLines(payload, userID: userID, bearerToken: bearerToken)
        let products = try await catalog.products(ids: requested.map(\.productID))
        var lines: [OrderLine] = []
        var errors: [FieldError] = []
        for (index, line) in requested.enumerated() {
            guard let product = products[line.productID] else {
                errors.append(FieldError(field: payload.fromCart == true ? "fromCart" : "items[\(index)].productId", message: "no such product: \(line.productID)"))
                continue
            }
            lines.append(OrderLine(
                productId: product.id, name: product.name, unitPrice: product.price, quantity: line.quantity,
                lineTotal: Money(amount: product.price.amount * Int64(line.quantity), currency: product.price.currency)))
        }
        if !errors.isEmpty { throw Problem.validation(errors) }
        let currencies = Set(lines.map(\.unitPrice.currency))
        guard currencies.count == 1, let currency = currencies.first else {
            throw Problem.validation([FieldError(field: "items", message: "all lines must be priced in one currency")])
        }
        let total = Money(amount: lines.reduce(0) { $0 + $1.lineTotal.amount }, currency: currency)

        let now = platform.clock.now()
        let orderID = UUID().uuidString.lowercased()
        let orderLines = lines
        return try await platform.database.transaction { [events = platform.events] db in
            let claimed = try await db.raw(
                """
                INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, response_status, response_body, created_at)
                VALUES (\(bind: userID), \(bind: key), \(bind: hash), 0, '', \(bind: now.millisecondsSince1970))
                ON CONFLICT DO NOTHING RETURNING user_id
                """
            ).first()
            // A concurrent request with the same key committed first: answer as it did.
            guard claimed != nil else { return try await Self.reply(userID: userID, key: key, hash: hash, on: db) }

            let customer = try await db.select().columns("phone", "address").from("ordering_customers").where("user_id", .equal, userID).first()
            try await db.insert(into: "orders").columns(OrderView.columns + ["from_cart"]).values(
                SQLBind(orderID), SQLBind(userID), SQLBind(OrderStatus.pending.rawValue), SQLBind(payload.paymentMethod.rawValue), SQLBind(total.amount),
                SQLBind(total.currency), SQLBind(try customer?.decode(column: "address", as: String?.self)), SQLBind(try customer?.decode(column: "phone", as: String?.self)),
                SQLLiteral.null, SQLBind(now.millisecondsSince1970), SQLBind(now.millisecondsSince1970), SQLBind(payload.fromCart ?? false)
            ).run()
            for (index, line) in orderLines.enumerated() {
                try await db.insert(into: "order_lines")
                    .columns("order_id", "line_no", "product_id", "name", "unit_price_amount", "unit_price_currency", "quantity")
                    .values(SQLBind(orderID), SQLBind(index), SQLBind(line.productId), SQLBind(line.name), SQLBind(line.unitPrice.amount),
                        SQLBind(line.unitPrice.currency), SQLBind(line.quantity))
                    .run()
            }
            try await events.append(
                OrderPlaced(
                    orderID: orderID, userID: userID, lines: orderLines.map { OrderLineQuantity(productID: $0.productId, quantity: $0.quantity) },
                    total: total, paymentMethod: payload.paymentMethod.rawValue, fromCart: payload.fromCart ?? false),
                on: db)
            guard let order = try await OrderStore.find(id: orderID, on: db) else { throw Problem(.internalServerError) }
            let body = String(decoding: try JSONEncoder.events.encode(order), as: UTF8.self)
            try await db.update("idempotency_keys").set("response_status", to: 202).set("response_body", to: body)
                .where("user_id", .equal, userID).where("idempotency_key", .equal, key).run()
            return Reply(status: 202, body: body, replayed: false)
        }
    }

    private func requestedLines(_ payload: PlaceOrderPayload, userID: String, bearerToken: String?) async throws -> [CartLine] {
        if let items = payload.items {
            // Repeated products are merged into one line.
            var merged: [(String, Int)] = []
            for item in items {
                if let index = merged.firstIndex(where: { $0.0 == item.productId }) { merged[index].1 += item.quantity } else { merged.append((item.productId, item.quantity)) }
            }
            return merged.map { CartLine(productID: $0.0, quantity: $0.1) }
        }
        guard let cart else { throw Problem(.serviceUnavailable, detail: "The cart service is not reachable from this process.") }
        let lines = try await cart.lines(userID: userID, bearerToken: bearerToken)
        if lines.isEmpty { throw Problem.validation([FieldError(field: "fromCart", message: "the cart is empty")]) }
        return lines
    }

    private func storedReply(userID: String, key: String, hash: String) async throws -> Reply? {
        try await platform.database.read { db in
            guard try await db.select().column("user_id").from("idempotency_keys").where("user_id", .equal, userID)
                .where("idempotency_key", .equal, key).first() != nil
            else { return nil }
            return try await Self.reply(userID: userID, key: key, hash: hash, on: db)
        }
    }

    private static func reply(userID: String, key: String, hash: String, on db: any SQLDatabase) async throws -> Reply {
        guard let row = try await db.select().columns("request_hash", "response_status", "response_body").from("idempotency_keys")
            .where("user_id", .equal, userID).where("idempotency_key", .equal, key).first()
        else { throw Problem(.internalServerError) }
        guard try row.decode(column: "request_hash", as: String.self) == hash else {
            throw Problem(.unprocessableContent, title: "Idempotency key reused", detail: "This Idempotency-Key was already used with a different request.")
        }
        return Reply(status: try row.decode(column: "response_status", as: Int.self), body: try row.decode(column: "response_body", as: String.self), replayed: true)
    }

    /// The same request, whatever the JSON key order or spacing, hashes the same.
    private func requestHash(_ payload: PlaceOrderPayload, userID: String) -> String {
        let items = (payload.items ?? []).map { "\($0.productId)×\($0.quantity)" }.joined(separator: ",")
        let canonical = "\(userID)|\(items)|\(payload.fromCart ?? false)|\(payload.paymentMethod.rawValue)"
        return SHA256.hash(data: Data(canonical.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: status changes

    /// Moves an order and publishes `order.status-changed`, inside the caller's transaction. The
    /// update is conditional on the status read, so concurrent moves cannot both win.
    @discardableResult
    static func move(
        _ orderID: String, to next: OrderStatus, reason: String?, allowed: (OrderStatus) -> Bool, platform: PlatformContext, on db: any SQLDatabase
    ) async throws -> Bool {
        guard let row = try await db.select().columns("user_id", "status").from("orders").where("id", .equal, orderID).first(),
            let current = OrderStatus(rawValue: try row.decode(column: "status", as: String.self))
        else { throw Problem.notFound("Order") }
        guard current.canMove(to: next), allowed(current) else {
            throw Problem.conflict("An order that is \(current.rawValue) cannot become \(next.rawValue).")
        }
        let now = platform.clock.now().millisecondsSince1970
        let updated = try await db.raw(
            """
            UPDATE orders SET status = \(bind: next.rawValue), reason = COALESCE(\(bind: reason), reason), updated_at = \(bind: now)
            WHERE id = \(bind: orderID) AND status = \(bind: current.rawValue) RETURNING id
            """
        ).first()
        guard updated != nil else { throw Problem.conflict("The order changed meanwhile; try again.") }
        try await platform.events.append(
            OrderStatusChanged(orderID: orderID, userID: try row.decode(column: "user_id", as: String.self), from: current.rawValue, to: next.rawValue, reason: reason),
            on: db)
        return true
    }

    private func moveAndReload(_ orderID: String, to next: OrderStatus, reason: String?, allowed: @escaping @Sendable (OrderStatus) -> Bool, ownedBy userID: String?) async throws -> OrderView {
        try await platform.database.transaction { [platform] db in
            if let userID, try await db.select().column("id").from("orders").where("id", .equal, orderID).where("user_id", .equal, userID).first() == nil {
                throw Problem.notFound("Order")
            }
            try await Self.move(orderID, to: next, reason: reason, allowed: allowed, platform: platform, on: db)
            guard let order = try await OrderStore.find(id: orderID, on: db) else { throw Problem.notFound("Order") }
            return order
        }
    }

    func cancel(orderID: String, userID: String) async throws -> OrderView {
        try await moveAndReload(orderID, to: .cancelled, reason: "cancelled by the customer", allowed: { _ in true }, ownedBy: userID)
    }

    func adminMove(orderID: String, to next: OrderStatus) async throws -> OrderView {
        try await moveAndReload(
            orderID, to: next, reason: next == .cancelled ? "cancelled by an admin" : nil, allowed: { $0.adminTargets.contains(next) }, ownedBy: nil)
    }
}

/// The order id in a stored 202 body: the bare order (what POST /orders answers, like GET), or
/// `{order: …}` as bodies stored before that change read.
struct PlacedOrderID: Decodable {
    let id: String

    private enum Keys: String, CodingKey { case id, order }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        if let id = try container.decodeIfPresent(String.self, forKey: .id) {
            self.id = id
        } else {
            id = try container.nestedContainer(keyedBy: Keys.self, forKey: .order).decode(String.self, forKey: .id)
        }
    }
}
