-- pgbench transaction for scripts/bench: one durable commit shaped like an order's placement on
-- PostgreSQL (an order row and its event, written by one statement), with no Bazaar in the way.
-- The tables come from pg_commits_at in scripts/bench.
\set user random(1, 64)
WITH placed AS (INSERT INTO raw_orders (user_id, body) VALUES ('user-' || :user, repeat('x', 400)) RETURNING id)
INSERT INTO raw_events (tx_id, type, payload)
SELECT pg_current_xact_id()::text::bigint, 'order.placed', repeat('y', 300) FROM placed;
