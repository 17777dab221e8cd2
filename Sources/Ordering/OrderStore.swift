import Contracts
import Foundation
import PlatformCore
import PlatformDatabase
import PlatformHTTP
import SQLKit

/// All of Ordering's SQL: orders and their lines, idempotency keys, and its copy of customers.
/// Lists load every order's lines in one more query, whatever the page size. The `static`
/// functions run in a transaction the caller holds (the service's, or a consumer's).
struct OrderStore: Sendable {
    let database: any Database

    struct Filter: Sendable {
        var userID: String?
        var status: OrderStatus?
    }

    func find(id: String, userID: String? = nil) async throws -> OrderView? {
        try await database.read { db in try await Self.find(id: id, userID: userID, on: db) }
    }

    static func find(id: String, userID: String? = nil, on db: any SQLDatabase) async throws -> OrderView? {
        var select = db.select().columns(OrderView.columns.map { SQLColumn($0) }).from("orders").where("id", .equal, id)
        if let userID { select = select.where("user_id", .equal, userID) }
        guard let row = try await select.first() else { return nil }
        return try OrderView(row: row, lines: try await lines(of: [id], on: db)[id] ?? [])
    }

    /// How many orders are in each status (one grouped scan, for `/metrics`).
    func countByStatus() async throws -> [OrderStatus: Int] {
        try await database.read { db in
            var counts: [OrderStatus: Int] = [:]
            for row in try await db.raw("SELECT status, COUNT(*) AS n FROM orders GROUP BY status").all() {
                if let status = OrderStatus(rawValue: try row.decode(column: "status", as: String.self)) {
                    counts[status] = try row.decode(column: "n", as: Int.self)
                }
            }
            return counts
        }
    }

    /// Newest first.
    func list(_ filter: Filter, after cursor: KeysetCursor?, limit: Int) async throws -> [OrderView] {
        try await database.read { db in
            var select = db.select().columns(OrderView.columns.map { SQLColumn($0) }).from("orders")
            if let userID = filter.userID { select = select.where("user_id", .equal, userID) }
            if let status = filter.status { select = select.where("status", .equal, status.rawValue) }
            if let cursor {
                select = select.where(
                    cursor.olderRows)
            }
            let rows = try await select.orderBy("created_at", .descending).orderBy("id", .descending).limit(limit).all()
            let ids = try rows.map { try $0.decode(column: "id", as: String.self) }
            let lines = try await Self.lines(of: ids, on: db)
            return try rows.map { row in try OrderView(row: row, lines: lines[try row.decode(column: "id", as: String.self)] ?? []) }
        }
    }

    static func lines(of orderIDs: [String], on db: any SQLDatabase) async throws -> [String: [OrderLine]] {
        guard !orderIDs.isEmpty else { return [:] }
        var query = SQLQueryString(
            "SELECT order_id, product_id, name, unit_price_amount, unit_price_currency, quantity FROM order_lines WHERE order_id IN ")
        query.appendBindList(orderIDs)
        query.appendLiteral(" ORDER BY order_id, line_no")
        var result: [String: [OrderLine]] = [:]
        for row in try await db.raw(query).all() {
            let price = Money(
                amount: try row.decode(column: "unit_price_amount", as: Int64.self),
                currency: try row.decode(column: "unit_price_currency", as: String.self))
            let quantity = try row.decode(column: "quantity", as: Int.self)
            result[try row.decode(column: "order_id", as: String.self), default: []].append(
                OrderLine(
                    productId: try row.decode(column: "product_id", as: String.self), name: try row.decode(column: "name", as: String.self),
                    unitPrice: price, quantity: quantity, lineTotal: Money(amount: price.amount * Int64(quantity), currency: price.currency)
                ))
        }
        return result
    }

    // MARK: placing orders

    /// An idempotency key as stored: what the request hashed to and what it was answered.
    struct StoredReply: Sendable {
        let requestHash: String
        let status: Int
        let body: String
    }

    /// What placing an order reads before its transaction: the stored answer to the key, if a
    /// request used it already, and the customer's shipping details. One statement, where two
    /// were a round trip each on PostgreSQL for every order.
    func placement(userID: String, key: String) async throws -> (reply: StoredReply?, shipping: (address: String?, phone: String?)) {
        try await database.read { db in
            let row = try await db.raw(
                """
                SELECT k.request_hash, k.response_status, k.response_body, c.phone, c.address FROM (SELECT 1 AS here) AS one
                LEFT JOIN idempotency_keys AS k ON k.user_id = \(bind: userID) AND k.idempotency_key = \(bind: key)
                LEFT JOIN ordering_customers AS c ON c.user_id = \(bind: userID)
                """
            ).first()
            guard let row else { return (nil, (nil, nil)) }
            let shipping = (try row.decode(column: "address", as: String?.self), try row.decode(column: "phone", as: String?.self))
            guard let hash = try row.decode(column: "request_hash", as: String?.self) else { return (nil, shipping) }
            let reply = StoredReply(
                requestHash: hash, status: try row.decode(column: "response_status", as: Int.self),
                body: try row.decode(column: "response_body", as: String.self))
            return (reply, shipping)
        }
    }

    /// Takes the key for the order's request, with the answer it gets: returns a row, unless
    /// another request holds the key already. Run with the order's inserts, so that the key, its
    /// answer and the order commit together or not at all.
    private static func claim(_ order: OrderView, key: String, requestHash: String, reply: (status: Int, body: String)) -> SQLQueryString {
        """
        INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, response_status, response_body, created_at)
        VALUES (\(bind: order.userId), \(bind: key), \(bind: requestHash), \(bind: reply.status), \(bind: reply.body), \(bind: order.createdAt.millisecondsSince1970))
        ON CONFLICT DO NOTHING RETURNING user_id
        """
    }

    /// Keys older than `cutoff` (milliseconds since 1970) go.
    func purgeIdempotencyKeys(before cutoff: Int64) async throws {
        try await database.transaction { db in
            try await db.delete(from: "idempotency_keys").where("created_at", .lessThan, cutoff).run()
        }
    }

    /// Places an order in separate statements (SQLite, which has no writing `WITH`), for one
    /// transaction to run in order: `claim` returns a row when this request took the key (see
    /// `claim`), and only then `inserts` write the order and its lines (the lines in one
    /// statement, however many). `storedAddress` is the address as `placement` read it.
    static func placementStatements(
        _ order: OrderView, storedAddress: String?, fromCart: Bool, key: String, requestHash: String, reply: (status: Int, body: String)
    ) -> (claim: SQLQueryString, inserts: [SQLQueryString]) {
        (
            claim(order, key: key, requestHash: requestHash, reply: reply),
            [
                .insert(into: "orders", columns: orderColumns, rows: [row(of: order, storedAddress: storedAddress, fromCart: fromCart)]),
                .insert(into: "order_lines", columns: lineColumns, rows: lineRows(of: order)),
            ]
        )
    }

    /// Places an order in one statement (PostgreSQL, where a statement is atomic on its own and
    /// each statement of a transaction, BEGIN and COMMIT included, is a round trip): the key
    /// with its answer, the order, its lines and `event` (`EventLog.append(_:ifAnyRowIn:)` of
    /// `placed`), each insert made only if the key's was. False when another request holds the
    /// key: then nothing is written.
    static func placeInOneStatement(
        _ order: OrderView, storedAddress: String?, fromCart: Bool, key: String, requestHash: String, reply: (status: Int, body: String),
        event: (String) -> SQLQueryString, on db: any SQLDatabase
    ) async throws -> Bool {
        var query: SQLQueryString = "WITH claim AS ("
        query += claim(order, key: key, requestHash: requestHash, reply: reply)
        query.appendLiteral("), placed AS (INSERT INTO orders (\(orderColumns.joined(separator: ", "))) SELECT")
        query.appendLiteral(" ")
        query.appendList(row(of: order, storedAddress: storedAddress, fromCart: fromCart))
        query.appendLiteral(" FROM claim RETURNING id)")
        // A CTE per line, each `INSERT … SELECT … FROM placed`: the values' types then come from
        // the columns. (A `VALUES` list would type them on its own: text, when the statement is
        // replayed from PostgreSQL's log with its values written in.)
        for (index, line) in lineRows(of: order).enumerated() {
            query.appendLiteral(", line\(index) AS (INSERT INTO order_lines (\(lineColumns.joined(separator: ", "))) SELECT ")
            query.appendList(line)
            query.appendLiteral(" FROM placed)")
        }
        query.appendLiteral(", appended AS (")
        query.appendInterpolation(event("placed"))
        query.appendLiteral(") SELECT COUNT(*) AS claimed FROM claim")
        return try await db.raw(query).first()?.decode(column: "claimed", as: Int.self) == 1
    }

    private static let orderColumns = OrderView.columns + ["from_cart"]
    private static let lineColumns = ["order_id", "line_no", "product_id", "name", "unit_price_amount", "unit_price_currency", "quantity"]

    private static func row(of order: OrderView, storedAddress: String?, fromCart: Bool) -> [any SQLExpression] {
        [
            SQLBind(order.id), SQLBind(order.userId), SQLBind(order.status.rawValue), SQLBind(order.paymentMethod.rawValue),
            SQLBind(order.total.amount), SQLBind(order.total.currency), SQLBind(storedAddress), SQLBind(order.phone),
            SQLBind(order.reason), SQLBind(order.createdAt.millisecondsSince1970), SQLBind(order.updatedAt.millisecondsSince1970),
            SQLBind(fromCart),
        ]
    }

    private static func lineRows(of order: OrderView) -> [[any SQLExpression]] {
        order.items.enumerated().map { index, line in
            [
                SQLBind(order.id), SQLBind(index), SQLBind(line.productId), SQLBind(line.name), SQLBind(line.unitPrice.amount),
                SQLBind(line.unitPrice.currency), SQLBind(line.quantity),
            ]
        }
    }

    // MARK: status

    /// The owner and status of an order, read in the caller's transaction.
    static func state(of orderID: String, on db: any SQLDatabase) async throws -> (userID: String, status: OrderStatus)? {
        guard let row = try await db.select().columns("user_id", "status").from("orders").where("id", .equal, orderID).first(),
            let status = OrderStatus(rawValue: try row.decode(column: "status", as: String.self))
        else { return nil }
        return (try row.decode(column: "user_id", as: String.self), status)
    }

    static func isOwned(_ orderID: String, by userID: String, on db: any SQLDatabase) async throws -> Bool {
        try await db.select().column("id").from("orders").where("id", .equal, orderID).where("user_id", .equal, userID).first() != nil
    }

    /// Moves the order only if it is still in `current`; false when something else moved it first.
    static func setStatus(
        _ orderID: String, from current: OrderStatus, to next: OrderStatus, reason: String?, at now: Int64, on db: any SQLDatabase
    ) async throws -> Bool {
        try await db.raw(
            """
            UPDATE orders SET status = \(bind: next.rawValue), reason = COALESCE(\(bind: reason), reason), updated_at = \(bind: now)
            WHERE id = \(bind: orderID) AND status = \(bind: current.rawValue) RETURNING id
            """
        ).first() != nil
    }

    struct SagaState: Sendable {
        let userID: String
        var status: OrderStatus
        let paymentMethod: PaymentMethod?
    }

    /// Owner, status and payment method of each order, in one query per 500.
    static func sagaStates(of orderIDs: [String], on db: any SQLDatabase) async throws -> [String: SagaState] {
        var states: [String: SagaState] = [:]
        for start in stride(from: 0, to: orderIDs.count, by: 500) {
            var query = SQLQueryString("SELECT id, user_id, status, payment_method FROM orders WHERE id IN ")
            query.appendBindList(Array(orderIDs[start..<min(start + 500, orderIDs.count)]))
            for row in try await db.raw(query).all() {
                guard let status = OrderStatus(rawValue: try row.decode(column: "status", as: String.self)) else { continue }
                states[try row.decode(column: "id", as: String.self)] = SagaState(
                    userID: try row.decode(column: "user_id", as: String.self), status: status,
                    paymentMethod: PaymentMethod(rawValue: try row.decode(column: "payment_method", as: String.self)))
            }
        }
        return states
    }

    /// Moves each order still in `current` (none the reason of); the ids moved.
    static func setStatus(_ orderIDs: [String], from current: OrderStatus, to next: OrderStatus, at now: Int64, on db: any SQLDatabase) async throws
        -> Set<String>
    {
        var moved = Set<String>()
        for start in stride(from: 0, to: orderIDs.count, by: 500) {
            var query = SQLQueryString("UPDATE orders SET status = \(bind: next.rawValue), updated_at = \(bind: now) WHERE status = \(bind: current.rawValue) AND id IN ")
            query.appendBindList(Array(orderIDs[start..<min(start + 500, orderIDs.count)]))
            query.appendLiteral(" RETURNING id")
            for row in try await db.raw(query).all() { moved.insert(try row.decode(column: "id", as: String.self)) }
        }
        return moved
    }

    // MARK: customers

    static func addCustomer(_ userID: String, on db: any SQLDatabase) async throws {
        try await db.raw("INSERT INTO ordering_customers (user_id) VALUES (\(bind: userID)) ON CONFLICT (user_id) DO NOTHING").run()
    }

    /// Stores a customer's phone and address (JSON) and copies them onto their unshipped orders.
    static func updateCustomer(_ userID: String, phone: String?, address: String?, at now: Int64, on db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO ordering_customers (user_id, phone, address) VALUES (\(bind: userID), \(bind: phone), \(bind: address))
            ON CONFLICT (user_id) DO UPDATE SET phone = excluded.phone, address = excluded.address
            """
        ).run()
        var update = SQLQueryString(
            "UPDATE orders SET phone = \(bind: phone), shipping_address = \(bind: address), updated_at = \(bind: now) WHERE user_id = \(bind: userID) AND status IN "
        )
        update.appendBindList(OrderStatus.unshipped.map(\.rawValue))
        try await db.raw(update).run()
    }
}
