#!/usr/bin/env python3
"""The raw-SQL ceiling: replays a statement trace (BAZAAR_SQL_TRACE, JSON lines) against a copy of
the database as it was before the traced work, with Python's sqlite3 and no HTTP: every write
transaction as BEGIN IMMEDIATE … COMMIT, every read as it ran, WAL with synchronous=NORMAL like
Bazaar. Prints `REPLAY seconds=<s> transactions=<n> reads=<n> statements=<n>`. Standard library only."""
import argparse, base64, json, sqlite3, time


def value(v):
    return base64.b64decode(v["blob"]) if isinstance(v, dict) else v


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--trace", required=True)
    args = parser.parse_args()
    records = []
    with open(args.trace) as trace:
        for line in trace:
            record = json.loads(line)
            records.append((record["transaction"], [(sql, [value(v) for v in binds]) for sql, binds in record["statements"]]))
    db = sqlite3.connect(args.db, isolation_level=None, cached_statements=1024)
    for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=10000"):
        db.execute(pragma).fetchall()
    statements = transactions = reads = 0
    started = time.perf_counter()
    for transaction, batch in records:
        if transaction:
            db.execute("BEGIN IMMEDIATE")
            transactions += 1
        else:
            reads += 1
        for sql, binds in batch:
            db.execute(sql, binds).fetchall()
            statements += 1
        if transaction:
            db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    print(f"REPLAY seconds={elapsed:.3f} transactions={transactions} reads={reads} statements={statements}")


if __name__ == "__main__":
    main()
