import Contracts
import PlatformDatabase

enum IdentityMigrations {
    static let all = ModuleMigrations(
        module: "identity",
        migrations: [
            SQLMigration(version: 1, name: "users, sessions, refresh tokens, signing keys") { _ in
                [
                    """
                    CREATE TABLE users (
                        id TEXT PRIMARY KEY,
                        email TEXT NOT NULL UNIQUE,
                        password_hash TEXT NOT NULL,
                        name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        phone TEXT,
                        address TEXT,
                        pref_order_updates BOOLEAN NOT NULL,
                        pref_promotions BOOLEAN NOT NULL,
                        pref_email BOOLEAN NOT NULL,
                        pref_realtime BOOLEAN NOT NULL,
                        created_at BIGINT NOT NULL,
                        updated_at BIGINT NOT NULL
                    )
                    """,
                    """
                    CREATE TABLE sessions (
                        id TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL REFERENCES users (id),
                        created_at BIGINT NOT NULL,
                        revoked_at BIGINT,
                        revoked_reason TEXT
                    )
                    """,
                    "CREATE INDEX sessions_user ON sessions (user_id)",
                    """
                    CREATE TABLE refresh_tokens (
                        token_hash TEXT PRIMARY KEY,
                        session_id TEXT NOT NULL REFERENCES sessions (id),
                        issued_at BIGINT NOT NULL,
                        expires_at BIGINT NOT NULL,
                        spent_at BIGINT
                    )
                    """,
                    """
                    CREATE TABLE signing_keys (
                        kid TEXT PRIMARY KEY,
                        generation INTEGER NOT NULL UNIQUE,
                        private_key TEXT NOT NULL,
                        public_key TEXT NOT NULL,
                        created_at BIGINT NOT NULL
                    )
                    """,
                ]
            },
            SQLMigration(version: 2, name: "password resets and login throttling") { _ in
                [
                    """
                    CREATE TABLE password_resets (
                        token_hash TEXT PRIMARY KEY,
                        user_id TEXT NOT NULL REFERENCES users (id),
                        expires_at BIGINT NOT NULL,
                        used_at BIGINT
                    )
                    """,
                    """
                    CREATE TABLE login_throttle (
                        throttle_key TEXT PRIMARY KEY,
                        failures INTEGER NOT NULL,
                        window_start BIGINT NOT NULL,
                        locked_until BIGINT
                    )
                    """,
                ]
            },
        ])
}
