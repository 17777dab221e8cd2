/// Tables shared by every module: the event log and its consumers, dead letters, the job queue
/// and its scheduler. Owned by the platform, not by any module.
public enum PlatformMigrations {
    public static let all = ModuleMigrations(
        module: "platform",
        migrations: [
            SQLMigration(version: 1, name: "event log, consumers, dead letters") { engine in
                [
                    """
                    CREATE TABLE event_log (
                        id \(engine.autoIncrementPrimaryKey),
                        tx_id BIGINT NOT NULL,
                        event_id TEXT NOT NULL UNIQUE,
                        type TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        payload TEXT NOT NULL,
                        occurred_at BIGINT NOT NULL
                    )
                    """,
                    "CREATE INDEX event_log_position ON event_log (tx_id, id)",
                    "CREATE INDEX event_log_type_position ON event_log (type, tx_id, id)",
                    "CREATE TABLE event_consumers (name TEXT PRIMARY KEY, tx_id BIGINT NOT NULL, seq BIGINT NOT NULL)",
                    "CREATE TABLE processed_events (consumer TEXT NOT NULL, event_id TEXT NOT NULL, PRIMARY KEY (consumer, event_id))",
                    """
                    CREATE TABLE dead_letters (
                        id \(engine.autoIncrementPrimaryKey),
                        source TEXT NOT NULL,
                        consumer TEXT NOT NULL,
                        event_id TEXT NOT NULL,
                        event_type TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        error TEXT NOT NULL,
                        attempts INTEGER NOT NULL,
                        failed_at BIGINT NOT NULL
                    )
                    """,
                ]
            },
            SQLMigration(version: 2, name: "job queue and scheduler") { engine in
                [
                    """
                    CREATE TABLE jobs (
                        id \(engine.autoIncrementPrimaryKey),
                        kind TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        status TEXT NOT NULL,
                        run_at BIGINT NOT NULL,
                        attempts INTEGER NOT NULL,
                        max_attempts INTEGER NOT NULL,
                        locked_until BIGINT,
                        last_error TEXT,
                        unique_key TEXT UNIQUE,
                        created_at BIGINT NOT NULL
                    )
                    """,
                    "CREATE INDEX jobs_due ON jobs (status, run_at)",
                    """
                    CREATE TABLE scheduled_tasks (
                        name TEXT PRIMARY KEY,
                        schedule TEXT NOT NULL,
                        job_kind TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        next_run_at BIGINT NOT NULL
                    )
                    """,
                ]
            },
            SQLMigration(version: 3, name: "outgoing mail log") { engine in
                [
                    """
                    CREATE TABLE mail_log (
                        id \(engine.autoIncrementPrimaryKey),
                        recipient TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        body TEXT NOT NULL,
                        sent_at BIGINT NOT NULL
                    )
                    """
                ]
            },
            SQLMigration(version: 4, name: "audit log") { engine in
                [
                    """
                    CREATE TABLE audit_log (
                        id \(engine.autoIncrementPrimaryKey),
                        at BIGINT NOT NULL,
                        actor_id TEXT,
                        actor_role TEXT,
                        action TEXT NOT NULL,
                        target TEXT,
                        outcome TEXT NOT NULL,
                        client_address TEXT,
                        request_id TEXT,
                        detail TEXT
                    )
                    """,
                    "CREATE INDEX audit_log_action ON audit_log (action, id)",
                    "CREATE INDEX audit_log_actor ON audit_log (actor_id, id)",
                ]
            },
            SQLMigration(version: 5, name: "API keys") { engine in
                [
                    // Only the SHA-256 of the secret part is kept; the whole key is shown once.
                    """
                    CREATE TABLE api_keys (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        scope TEXT NOT NULL,
                        secret_hash TEXT NOT NULL,
                        created_by TEXT NOT NULL,
                        created_at BIGINT NOT NULL,
                        revoked_at BIGINT
                    )
                    """
                ]
            },
            SQLMigration(version: 6, name: "job claims follow (status, run_at, id)") { _ in
                [
                    // Claims read due jobs of one status in run order and stop at the batch size;
                    // (status, run_at) made them sort every queued job first.
                    "CREATE INDEX jobs_claim ON jobs (status, run_at, id)",
                    "DROP INDEX jobs_due",
                ]
            },
            SQLMigration(version: 7, name: "event keys and request ids; the Kafka relay's position") { _ in
                [
                    // Kafka keys an event by its aggregate (one order's events stay in order on
                    // one partition) and carries the request id as a header.
                    "ALTER TABLE event_log ADD COLUMN aggregate_id TEXT",
                    "ALTER TABLE event_log ADD COLUMN request_id TEXT",
                    // One row per relay: the last event Kafka confirmed, and which process holds
                    // the lease to publish (several processes may be given brokers; one relays).
                    """
                    CREATE TABLE event_relays (
                        name TEXT PRIMARY KEY,
                        tx_id BIGINT NOT NULL,
                        seq BIGINT NOT NULL,
                        owner TEXT,
                        lease_until BIGINT NOT NULL
                    )
                    """,
                ]
            },
            SQLMigration(version: 8, name: "appended events notify listeners from the database (PostgreSQL)") { engine in
                guard engine == .postgres else { return [] }
                // The insert itself tells LISTENing processes which event types a commit carries
                // (NOTIFY is delivered at commit, and only then), so a writing transaction no
                // longer spends a round trip on pg_notify before its COMMIT. One notification per
                // statement, the types sorted; PostgreSQL folds identical ones within a transaction.
                return [
                    """
                    CREATE FUNCTION bazaar_notify_appended_events() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        PERFORM pg_notify('\(ChangeSignal.eventChannel)', string_agg(DISTINCT type, ',' ORDER BY type)) FROM appended;
                        RETURN NULL;
                    END
                    $$
                    """,
                    """
                    CREATE TRIGGER event_log_appended AFTER INSERT ON event_log REFERENCING NEW TABLE AS appended
                    FOR EACH STATEMENT EXECUTE FUNCTION bazaar_notify_appended_events()
                    """,
                ]
            },
            SQLMigration(version: 9, name: "processes announce their commits; the event log's trigger goes (PostgreSQL)") { engine in
                guard engine == .postgres else { return [] }
                // A NOTIFY holds a cluster-wide lock from its transaction's commit until the
                // commit is flushed, so the trigger made every transaction that appended events
                // commit one at a time, each through its own fsync. `CommitAnnouncer` sends the
                // announcements after the commits instead.
                return [
                    "DROP TRIGGER event_log_appended ON event_log",
                    "DROP FUNCTION bazaar_notify_appended_events()",
                ]
            },
        ])
}
