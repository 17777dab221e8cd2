import PlatformDatabase

/// Cart's tables: one row per product in a user's cart.
enum CartMigrations {
    static let all = ModuleMigrations(
        module: "cart",
        migrations: [
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
