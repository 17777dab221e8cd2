#!/usr/bin/env python3
"""The raw-SQL ceiling on PostgreSQL, part one: turns the server's own statement log
(`log_statement = 'all'`, the default `log_line_prefix` with the backend's PID) of a traced run
into one SQL script that `psql` can replay with no HTTP and no Swift.

Each backend's statements are gathered until its COMMIT, and a transaction is written out at its
commit, so the script runs the transactions in the order they committed (the order their effects
were seen in). A statement outside BEGIN … COMMIT (a read, LISTEN) is written where it ran. A
statement that failed, and a transaction that rolled back, are left out: replayed, they would
fail again and stop the script. Every `$n` is replaced by its value as the log shows it, a quoted
literal that PostgreSQL types from its context, as it typed the bind.

  pglog.py --log server.log --from BYTES --out replay.sql
prints `PGLOG transactions=<n> reads=<n> statements=<n> skipped=<n>`. Standard library only."""
import argparse, re

ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \w+ \[(\d+)\] (\w+):  (.*)$")
EXECUTE = re.compile(r"execute [^:]+: (.*)$", re.S)
PARAMETER = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')", re.S)
PLACEHOLDER = re.compile(r"\$(\d+)")


def entries(path, start):
    """(pid, level, message) per log entry; continuation lines (a tab, then the text) are joined."""
    with open(path, "rb") as log:
        log.seek(start)
        text = log.read().decode("utf-8", "replace")
    current = None
    for line in text.split("\n"):
        match = ENTRY.match(line)
        if match:
            if current:
                yield current
            current = [match.group(1), match.group(2), match.group(3)]
        elif current is not None:
            current[2] += "\n" + (line[1:] if line.startswith("\t") else line)
    if current:
        yield current


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--from", dest="start", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    open_transactions = {}  # pid → statements since its BEGIN
    last = {}  # pid → its last statement, until its parameters are seen: [sql, transaction or None]
    script = []
    counts = {"transactions": 0, "reads": 0, "statements": 0, "skipped": 0}

    def bind(sql, detail):
        values = {int(n): value for n, value in PARAMETER.findall(detail)}
        return PLACEHOLDER.sub(lambda m: values.get(int(m.group(1)), m.group(0)), sql)

    for pid, level, message in entries(args.log, args.start):
        if level == "LOG":
            execute = EXECUTE.match(message)
            if not execute:
                continue
            sql = execute.group(1).strip().rstrip(";")
            if sql == "BEGIN":
                open_transactions[pid] = []
                last.pop(pid, None)
            elif sql in ("COMMIT", "ROLLBACK"):
                statements = open_transactions.pop(pid, None)
                last.pop(pid, None)
                if statements is None:
                    continue
                if sql == "ROLLBACK":
                    counts["skipped"] += 1
                    continue
                script.append("BEGIN;\n" + "".join(s + ";\n" for s in statements) + "COMMIT;\n")
                counts["transactions"] += 1
                counts["statements"] += len(statements)
            else:
                statements = open_transactions.get(pid)
                if statements is not None:
                    statements.append(sql)
                    last[pid] = (statements, len(statements) - 1)
                else:
                    script.append(sql + ";\n")
                    counts["reads"] += 1
                    counts["statements"] += 1
                    last[pid] = (script, len(script) - 1)
        elif level == "DETAIL" and message.startswith("parameters:") and pid in last:
            target, index = last[pid]
            if target is script:
                script[index] = bind(script[index][:-2], message) + ";\n"
            else:
                target[index] = bind(target[index], message)
        elif level == "ERROR" and pid in last:
            target, index = last.pop(pid)
            if target is script:  # a read that failed: leave it out
                script[index] = ""
                counts["reads"] -= 1
                counts["statements"] -= 1
                counts["skipped"] += 1
            elif open_transactions.pop(pid, None) is not None:  # its transaction will roll back
                counts["skipped"] += 1

    with open(args.out, "w") as out:
        out.writelines(script)
    print("PGLOG " + " ".join(f"{key}={value}" for key, value in counts.items()))


if __name__ == "__main__":
    main()
