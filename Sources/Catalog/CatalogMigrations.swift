import PlatformDatabase

enum CatalogMigrations {
    static let all = ModuleMigrations(
        module: "catalog",
        migrations: [
            SQLMigration(version: 1, name: "products and stock reservations") { _ in
                [
                    """
                    CREATE TABLE products (
                        id TEXT PRIMARY KEY,
                        sku TEXT NOT NULL UNIQUE,
                        name TEXT NOT NULL,
                        description TEXT NOT NULL,
                        price_amount BIGINT NOT NULL,
                        price_currency TEXT NOT NULL,
                        stock INTEGER NOT NULL CHECK (stock >= 0),
                        deleted_at BIGINT,
                        created_at BIGINT NOT NULL,
                        updated_at BIGINT NOT NULL
                    )
                    """,
                    "CREATE INDEX products_listing ON products (created_at, id)",
                    """
                    CREATE TABLE stock_reservations (
                        order_id TEXT NOT NULL,
                        product_id TEXT NOT NULL REFERENCES products (id),
                        quantity INTEGER NOT NULL CHECK (quantity > 0),
                        released_at BIGINT,
                        PRIMARY KEY (order_id, product_id)
                    )
                    """,
                ]
            },
            SQLMigration(version: 2, name: "product images") { engine in
                [
                    "ALTER TABLE products ADD COLUMN image_etag TEXT",
                    """
                    CREATE TABLE product_images (
                        product_id TEXT PRIMARY KEY REFERENCES products (id),
                        content_type TEXT NOT NULL,
                        bytes \(engine == .postgres ? "BYTEA" : "BLOB") NOT NULL
                    )
                    """,
                ]
            },
            SQLMigration(version: 3, name: "orders cancelled before their reservation") { _ in
                [
                    // Read from Kafka, an order's cancellation (one topic) may come before its
                    // placement (another): the cancellation is remembered so that the placement,
                    // when it comes, reserves nothing.
                    "CREATE TABLE early_cancellations (order_id TEXT PRIMARY KEY, cancelled_at BIGINT NOT NULL)"
                ]
            },
        ])
}
