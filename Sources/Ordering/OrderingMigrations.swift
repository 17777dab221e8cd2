import PlatformDatabase

enum OrderingMigrations {
    static let all = ModuleMigrations(
        module: "ordering",
        migrations: [
            SQLMigration(version: 1, name: "orders, lines, idempotency keys, customer copies") { _ in
                [
                    """
                    CREATE TABLE orders (
                        id TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL,
                        status TEXT NOT NULL,
                        payment_method TEXT NOT NULL,
                        total_amount BIGINT NOT NULL,
                        total_currency TEXT NOT NULL,
                        shipping_address TEXT,
                        phone TEXT,
                        reason TEXT,
                        from_cart BOOLEAN NOT NULL,
                        created_at BIGINT NOT NULL,
                        updated_at BIGINT NOT NULL
                    )
                    """,
                    "CREATE INDEX orders_by_user ON orders (user_id, created_at, id)",
                    "CREATE INDEX orders_by_status ON orders (status, created_at, id)",
                    """
                    CREATE TABLE order_lines (
                        order_id TEXT NOT NULL REFERENCES orders (id),
                        line_no INTEGER NOT NULL,
                        product_id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        unit_price_amount BIGINT NOT NULL,
                        unit_price_currency TEXT NOT NULL,
                        quantity INTEGER NOT NULL CHECK (quantity > 0),
                        PRIMARY KEY (order_id, line_no)
                    )
                    """,
                    """
                    CREATE TABLE idempotency_keys (
                        user_id TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL,
                        request_hash TEXT NOT NULL,
                        response_status INTEGER NOT NULL,
                        response_body TEXT NOT NULL,
                        created_at BIGINT NOT NULL,
                        PRIMARY KEY (user_id, idempotency_key)
                    )
                    """,
                    "CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at)",
                    "CREATE TABLE ordering_customers (user_id TEXT PRIMARY KEY, phone TEXT, address TEXT)",
                ]
            }
        ])
}
