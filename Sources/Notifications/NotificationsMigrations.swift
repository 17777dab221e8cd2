import PlatformDatabase

enum NotificationsMigrations {
    static let all = ModuleMigrations(
        module: "notifications",
        migrations: [
            SQLMigration(version: 1, name: "recipients, inbox, campaigns") { engine in
                [
                    // Notifications' copy of users (from user.* events): whom to tell, and how.
                    """
                    CREATE TABLE notification_recipients (
                        user_id TEXT PRIMARY KEY,
                        email TEXT NOT NULL,
                        name TEXT NOT NULL,
                        order_updates INTEGER NOT NULL,
                        promotions INTEGER NOT NULL,
                        email_enabled INTEGER NOT NULL,
                        realtime INTEGER NOT NULL
                    )
                    """,
                    // `seq` with `tx_id` orders a user's stream the way the event log is ordered,
                    // so a replay after `lastEventId` cannot skip a late-committing notification.
                    // `source_key` makes each source's notification exist once (event, campaign run).
                    """
                    CREATE TABLE notifications (
                        seq \(engine.autoIncrementPrimaryKey),
                        id TEXT NOT NULL UNIQUE,
                        user_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        title TEXT NOT NULL,
                        body TEXT NOT NULL,
                        source_key TEXT UNIQUE,
                        created_at BIGINT NOT NULL,
                        read_at BIGINT,
                        tx_id BIGINT NOT NULL
                    )
                    """,
                    "CREATE INDEX notifications_inbox ON notifications (user_id, created_at, seq)",
                    "CREATE INDEX notifications_stream ON notifications (user_id, tx_id, seq)",
                    """
                    CREATE TABLE campaigns (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        schedule TEXT NOT NULL,
                        preference TEXT NOT NULL,
                        title TEXT NOT NULL,
                        body TEXT NOT NULL,
                        created_at BIGINT NOT NULL
                    )
                    """,
                ]
            }
        ])
}
