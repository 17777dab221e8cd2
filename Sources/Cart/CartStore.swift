import Contracts
import PlatformCore
import PlatformDatabase
import SQLKit

/// All of Cart's SQL.
struct CartStore: Sendable {
    let database: any Database
    let clock: any WallClock

    func lines(userID: String) async throws -> [CartLine] {
        try await database.read { db in
            try await db.select().columns("product_id", "quantity").from("cart_items").where("user_id", .equal, userID).orderBy(
                "line_order"
            )
            .all().map {
                CartLine(
                    productID: try $0.decode(column: "product_id", as: String.self),
                    quantity: try $0.decode(column: "quantity", as: Int.self))
            }
        }
    }

    /// Sets a line's quantity (0 removes it); a new line goes last.
    func set(userID: String, productID: String, quantity: Int) async throws {
        let now = clock.now().millisecondsSince1970
        try await database.transaction { db in
            if quantity == 0 {
                try await db.delete(from: "cart_items").where("user_id", .equal, userID).where("product_id", .equal, productID).run()
            } else {
                try await db.raw(
                    """
                    INSERT INTO cart_items (user_id, product_id, quantity, line_order, added_at)
                    SELECT \(bind: userID), \(bind: productID), \(bind: quantity), COALESCE(MAX(line_order), 0) + 1, \(bind: now)
                    FROM cart_items WHERE user_id = \(bind: userID)
                    ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = excluded.quantity
                    """
                ).run()
            }
        }
    }

    /// Removes a line; false when it was not in the cart.
    func remove(userID: String, productID: String) async throws -> Bool {
        try await database.transaction { db in
            try await db.raw(
                "DELETE FROM cart_items WHERE user_id = \(bind: userID) AND product_id = \(bind: productID) RETURNING product_id"
            ).first() != nil
        }
    }

    func clear(userID: String) async throws {
        try await database.transaction { db in try await db.delete(from: "cart_items").where("user_id", .equal, userID).run() }
    }

    /// Removes what an order took from the cart, in the consumer's transaction: only up to the
    /// quantity ordered, so a line added or raised after the order was placed stays.
    static func removeOrdered(_ order: OrderPlaced, on db: any SQLDatabase) async throws {
        for line in order.lines {
            try await db.raw(
                "DELETE FROM cart_items WHERE user_id = \(bind: order.userID) AND product_id = \(bind: line.productID) AND quantity <= \(bind: line.quantity)"
            ).run()
        }
    }
}
