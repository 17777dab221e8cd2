import PlatformDatabase

enum PromotionsMigrations {
    static let all = ModuleMigrations(
        module: "promotions",
        migrations: [
            SQLMigration(version: 1, name: "promotions, assignments, wallet ledger and balances, wallet payments") { engine in
                [
                    """
                    CREATE TABLE promotions (
                        id TEXT PRIMARY KEY,
                        title TEXT NOT NULL,
                        description TEXT NOT NULL,
                        amount BIGINT NOT NULL CHECK (amount > 0),
                        currency TEXT NOT NULL,
                        starts_at BIGINT,
                        ends_at BIGINT,
                        created_at BIGINT NOT NULL
                    )
                    """,
                    """
                    CREATE TABLE promotion_assignments (
                        promotion_id TEXT NOT NULL REFERENCES promotions (id),
                        user_id TEXT NOT NULL,
                        assigned_at BIGINT NOT NULL,
                        claimed_at BIGINT,
                        PRIMARY KEY (promotion_id, user_id)
                    )
                    """,
                    "CREATE INDEX promotion_assignments_user ON promotion_assignments (user_id)",
                    """
                    CREATE TABLE wallet_entries (
                        id \(engine.autoIncrementPrimaryKey),
                        user_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        reference TEXT NOT NULL,
                        amount BIGINT NOT NULL,
                        currency TEXT NOT NULL,
                        balance_after BIGINT NOT NULL,
                        created_at BIGINT NOT NULL,
                        UNIQUE (kind, reference, user_id)
                    )
                    """,
                    "CREATE INDEX wallet_entries_user ON wallet_entries (user_id, id)",
                    """
                    CREATE TABLE wallet_balances (
                        user_id TEXT NOT NULL,
                        currency TEXT NOT NULL,
                        balance BIGINT NOT NULL CHECK (balance >= 0),
                        PRIMARY KEY (user_id, currency)
                    )
                    """,
                    """
                    CREATE TABLE wallet_payments (
                        order_id TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL,
                        amount BIGINT NOT NULL,
                        currency TEXT NOT NULL,
                        state TEXT NOT NULL
                    )
                    """,
                ]
            },
            // Filled from the start of the event log by the new `promotions.users` consumer.
            SQLMigration(version: 2, name: "promotion_users: the users assignments may name") { _ in
                ["CREATE TABLE promotion_users (user_id TEXT PRIMARY KEY)"]
            },
        ])
}
