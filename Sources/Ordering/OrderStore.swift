import Contracts
import Foundation
import Platform
import SQLKit

/// SQL for orders. Lists load every order's lines in one more query, whatever the page size.
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
            let price = Money(amount: try row.decode(column: "unit_price_amount", as: Int64.self), currency: try row.decode(column: "unit_price_currency", as: String.self))
            let quantity = try row.decode(column: "quantity", as: Int.self)
            result[try row.decode(column: "order_id", as: String.self), default: []].append(OrderLine(
                productId: try row.decode(column: "product_id", as: String.self), name: try row.decode(column: "name", as: String.self),
                unitPrice: price, quantity: quantity, lineTotal: Money(amount: price.amount * Int64(quantity), currency: price.currency)))
        }
        return result
    }
}
