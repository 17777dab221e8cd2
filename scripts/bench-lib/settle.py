#!/usr/bin/env python3
"""After an order load stops: how long until no order is pending (the saga caught up), counted
from this script's start; prints `SETTLE seconds=<s> confirmed=<n> rejected=<n> pending=<n>`
from `bazaar_orders{status}` in /metrics. Gives up after --timeout seconds. Standard library only."""
import argparse, http.client, re, time


def orders(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    counts = {}
    for status, value in re.findall(r'^bazaar_orders\{status="(\w+)"\} (\S+)$', text, re.M):
        counts[status] = int(float(value))
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    start = time.monotonic()
    while True:
        counts = orders(args.port)
        if counts.get("pending", 0) == 0 or time.monotonic() - start > args.timeout:
            break
        time.sleep(0.1)
    print(f"SETTLE seconds={time.monotonic() - start:.2f} confirmed={counts.get('confirmed', 0)} "
          f"rejected={counts.get('rejected', 0)} pending={counts.get('pending', 0)}")


if __name__ == "__main__":
    main()
