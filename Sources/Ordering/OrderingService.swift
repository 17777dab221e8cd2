import Contracts
import Crypto
import Foundation
import Logging
import Platform
import PlatformCore
import PlatformEvents
import SQLKit

/// Ordering's rules. Placing an order is idempotent per (user, Idempotency-Key): the key row,
/// the order and its `order.placed` event commit in one transaction, and a replay returns the
/// stored response. Refusals are `OrderingError`s; the SQL is `OrderStore`'s.
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
            throw OrderingError.invalid([FieldError(field: "paymentMethod", message: "wallet payments are not enabled on this deployment")])
        }
        let hash = requestHash(payload, userID: userID)
        let before = try await store.placement(userID: userID, key: key)
        if let stored = before.reply { return try Self.replay(stored, hash: hash) }

        let requested = try await requestedLines(payload, userID: userID, bearerToken: bearerToken)
        let products = try await catalog.offers(ids: requested.map(\.productID))
        var lines: [OrderLine] = []
        var errors: [FieldError] = []
        for (index, line) in requested.enumerated() {
            guard let product = products[line.productID] else {
                errors.append(
                    FieldError(
                        field: payload.fromCart == true ? "fromCart" : "items[\(index)].productId",
                        message: "no such product: \(line.productID)"))
                continue
            }
            lines.append(
                OrderLine(
                    productId: product.id, name: product.name, unitPrice: product.price, quantity: line.quantity,
                    lineTotal: Money(amount: product.price.amount * Int64(line.quantity), currency: product.price.currency)))
        }
        if !errors.isEmpty { throw OrderingError.invalid(errors) }
        let currencies = Set(lines.map(\.unitPrice.currency))
        guard currencies.count == 1, let currency = currencies.first else {
            throw OrderingError.invalid([FieldError(field: "items", message: "all lines must be priced in one currency")])
        }
        let total = Money(amount: lines.reduce(0) { $0 + $1.lineTotal.amount }, currency: currency)

        // The order, its answer and its event are built before the transaction, which then only
        // writes them: on SQLite, transactions run one at a time on the one writer, and encoding
        // JSON there held it for every order (the address is the customer's as read just now;
        // Ordering's copy of it follows Identity's events, so it is never fresher than that).
        let now = Date(millisecondsSince1970: platform.clock.now().millisecondsSince1970)  // as stored
        let order = OrderView(
            id: UUID.timeOrdered().lowercasedString, userId: userID, status: .pending, items: lines, total: total,
            paymentMethod: payload.paymentMethod, shippingAddress: OrderView.address(stored: before.shipping.address),
            phone: before.shipping.phone, reason: nil, createdAt: now, updatedAt: now)
        let body = try SortedJSON.string(order)
        let fromCart = payload.fromCart ?? false
        let placed = try EncodedEvent(
            OrderPlaced(
                orderID: order.id, userID: userID, lines: lines.map { OrderLineQuantity(productID: $0.productId, quantity: $0.quantity) },
                total: total, paymentMethod: payload.paymentMethod.rawValue, fromCart: fromCart))
        let address = before.shipping.address
        let claimed: Bool
        switch platform.database.engine {
        case .postgres:
            // One statement: one round trip, where a transaction of four statements took six.
            claimed = try await platform.database.singleStatementWrite { [events = platform.events] db in
                try await OrderStore.placeInOneStatement(
                    order, storedAddress: address, fromCart: fromCart, key: key, requestHash: hash, reply: (202, body),
                    event: { events.append(placed, ifAnyRowIn: $0) }, on: db)
            }
        case .sqlite:
            // Serialized here, so that the one writer only runs them: serializing the four
            // statements and converting their binds held it about as long as running them.
            let statements = OrderStore.placementStatements(
                order, storedAddress: address, fromCart: fromCart, key: key, requestHash: hash, reply: (202, body))
            let claim = try platform.database.serialize(statements.claim)
            let inserts = try statements.inserts.map(platform.database.serialize)
            let append = try platform.events.prepareAppend([placed])
            claimed = try await platform.database.transaction { [events = platform.events] db in
                guard try await claim.returnsRow(on: db) else { return false }
                for insert in inserts { try await insert.run(on: db) }
                try await events.append(append, on: db)
                return true
            }
        }
        // The key stores the answer with the order, so there is nothing to update after it.
        if claimed { return Reply(status: 202, body: body, replayed: false) }
        // A concurrent request with the same key committed first: answer as it did.
        guard let stored = try await store.placement(userID: userID, key: key).reply else { throw OrderingError.changedMeanwhile }
        return try Self.replay(stored, hash: hash)
    }

    private func requestedLines(_ payload: PlaceOrderPayload, userID: String, bearerToken: String?) async throws -> [CartLine] {
        if let items = payload.items {
            // Repeated products are merged into one line.
            var merged: [(String, Int)] = []
            for item in items {
                if let index = merged.firstIndex(where: { $0.0 == item.productId }) {
                    merged[index].1 += item.quantity
                } else {
                    merged.append((item.productId, item.quantity))
                }
            }
            return merged.map { CartLine(productID: $0.0, quantity: $0.1) }
        }
        guard let cart else { throw OrderingError.cartUnreachable }
        let lines = try await cart.lines(userID: userID, bearerToken: bearerToken)
        if lines.isEmpty { throw OrderingError.invalid([FieldError(field: "fromCart", message: "the cart is empty")]) }
        return lines
    }

    /// The stored answer to a key, if this is the request that used it.
    private static func replay(_ stored: OrderStore.StoredReply, hash: String) throws -> Reply {
        guard stored.requestHash == hash else { throw OrderingError.idempotencyKeyReused }
        return Reply(status: stored.status, body: stored.body, replayed: true)
    }

    /// The same request, whatever the JSON key order or spacing, hashes the same.
    private func requestHash(_ payload: PlaceOrderPayload, userID: String) -> String {
        let items = (payload.items ?? []).map { "\($0.productId)×\($0.quantity)" }.joined(separator: ",")
        let canonical = "\(userID)|\(items)|\(payload.fromCart ?? false)|\(payload.paymentMethod.rawValue)"
        return SHA256.hash(data: Data(canonical.utf8)).hexadecimal
    }

    // MARK: status changes

    /// Moves an order and publishes `order.status-changed`, inside the caller's transaction. The
    /// update is conditional on the status read, so concurrent moves cannot both win.
    static func move(
        _ orderID: String, to next: OrderStatus, reason: String?, allowed: (OrderStatus) -> Bool, platform: PlatformContext,
        on db: any SQLDatabase
    ) async throws {
        guard let (userID, current) = try await OrderStore.state(of: orderID, on: db) else { throw OrderingError.orderNotFound }
        guard current.canMove(to: next), allowed(current) else { throw OrderingError.cannotMove(from: current, to: next) }
        let now = platform.clock.now().millisecondsSince1970
        guard try await OrderStore.setStatus(orderID, from: current, to: next, reason: reason, at: now, on: db) else {
            throw OrderingError.changedMeanwhile
        }
        try await platform.events.append(
            OrderStatusChanged(orderID: orderID, userID: userID, from: current.rawValue, to: next.rawValue, reason: reason), on: db)
    }

    private func moveAndReload(
        _ orderID: String, to next: OrderStatus, reason: String?, allowed: @escaping @Sendable (OrderStatus) -> Bool,
        ownedBy userID: String?
    ) async throws -> OrderView {
        try await platform.database.transaction { [platform] db in
            if let userID, try await !OrderStore.isOwned(orderID, by: userID, on: db) { throw OrderingError.orderNotFound }
            try await Self.move(orderID, to: next, reason: reason, allowed: allowed, platform: platform, on: db)
            guard let order = try await OrderStore.find(id: orderID, on: db) else { throw OrderingError.orderNotFound }
            return order
        }
    }

    func cancel(orderID: String, userID: String) async throws -> OrderView {
        try await moveAndReload(orderID, to: .cancelled, reason: "cancelled by the customer", allowed: { _ in true }, ownedBy: userID)
    }

    func adminMove(orderID: String, to next: OrderStatus) async throws -> OrderView {
        try await moveAndReload(
            orderID, to: next, reason: next == .cancelled ? "cancelled by an admin" : nil, allowed: { $0.adminTargets.contains(next) },
            ownedBy: nil)
    }

    func order(_ orderID: String, ownedBy userID: String) async throws -> OrderView {
        // Another user's order is indistinguishable from a missing one.
        guard let order = try await store.find(id: orderID, userID: userID) else { throw OrderingError.orderNotFound }
        return order
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
