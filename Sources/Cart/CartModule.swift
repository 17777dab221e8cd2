import Contracts
import Foundation
public import Hummingbird
public import Platform
import SQLKit

/// Cart: one cart per user; prices and stock come from Catalog through `CatalogClient`.
public struct CartModule: BazaarModule {
    public static let name = "cart"
    let platform: PlatformContext
    let catalog: any CatalogClient

    public init(platform: PlatformContext, catalog: any CatalogClient) {
        self.platform = platform
        self.catalog = catalog
    }

    public var migrations: ModuleMigrations {
        ModuleMigrations(module: "cart", migrations: [
            SQLMigration(version: 1, name: "cart items") { _ in
                [
                    """
                    CREATE TABLE cart_items (
                        user_id TEXT NOT NULL,
                        product_id TEXT NOT NULL,
                        quantity INTEGER NOT NULL CHECK (quantity > 0),
                        line_order INTEGER NOT NULL,
                        added_at BIGINT NOT NULL,
                        PRIMARY KEY (user_id, product_id)
                    )
                    """
                ]
            }
        ])
    }

    public var eventHandlers: [any EventHandler] { [CartCheckout(store: store)] }
    public var client: any CartClient { InProcessCartClient(store: store) }
    var store: CartStore { CartStore(database: platform.database, clock: platform.clock) }

    public func addRoutes(to groups: RouteGroups) {
        CartRoutes(store: store, catalog: catalog).add(to: groups.authenticated)
    }
}

struct CartStore: Sendable {
    let database: any Database
    let clock: any WallClock

    func lines(userID: String) async throws -> [CartLine] {
        try await database.read { db in
            try await db.select().columns("product_id", "quantity").from("cart_items").where("user_id", .equal, userID).orderBy("line_order")
                .all().map { CartLine(productID: try $0.decode(column: "product_id", as: String.self), quantity: try $0.decode(column: "quantity", as: Int.self)) }
        }
    }

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
            try await db.raw("DELETE FROM cart_items WHERE user_id = \(bind: userID) AND product_id = \(bind: productID) RETURNING product_id").first() != nil
        }
    }

    func clear(userID: String) async throws {
        try await database.transaction { db in try await db.delete(from: "cart_items").where("user_id", .equal, userID).run() }
    }
}

struct InProcessCartClient: CartClient {
    let store: CartStore
    func lines(userID: String, bearerToken: String?) async throws -> [CartLine] { try await store.lines(userID: userID) }
}

/// Empties the ordered lines from the cart once an order taken from it is accepted.
struct CartCheckout: EventHandler {
    let name = "cart.checkout"
    let eventTypes = [OrderPlaced.type]
    let store: CartStore

    func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
        let order = try event.decode(OrderPlaced.self)
        guard order.fromCart else { return }
        for line in order.lines {
            // Only what was ordered: a line added or raised after the order was placed stays.
            try await db.raw(
                "DELETE FROM cart_items WHERE user_id = \(bind: order.userID) AND product_id = \(bind: line.productID) AND quantity <= \(bind: line.quantity)"
            ).run()
        }
    }
}
