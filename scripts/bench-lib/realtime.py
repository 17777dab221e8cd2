#!/usr/bin/env python3
"""Realtime delivery benchmark: N users hold WebSocket streams; admins post M notifications to
each from several threads; prints posts/s, frames delivered/s and post-to-frame latency.
Run by scripts/bench with the peers' Python (websocket-client)."""
import argparse
import json
import threading
import time
import http.client
import os
import sys

import websocket

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare import call as call_on  # noqa: E402


def peak_rss_mib(pid):
    """The server's peak resident memory (VmHWM), in MiB."""
    with open(f"/proc/{pid}/status") as status_file:
        for line in status_file:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def call(port, method, path, body=None, token=None):
    # One connection per call: the sender threads share nothing.
    status, data = call_on(http.client.HTTPConnection("127.0.0.1", port, timeout=30), method, path, body, token)
    if status >= 400:
        raise RuntimeError(f"{method} {path}: {status} {data}")
    return status, data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--per-user", type=int, default=20)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--admin-email", required=True)
    parser.add_argument("--admin-password", required=True)
    parser.add_argument("--pid", type=int, required=True)
    args = parser.parse_args()

    _, admin = call(args.port, "POST", "/api/v1/auth/login", {"email": args.admin_email, "password": args.admin_password})
    admin_token = admin["accessToken"]
    users = []
    stamp = int(time.time() * 1000)
    for index in range(args.users):
        _, session = call(args.port, "POST", "/api/v1/auth/register",
                          {"email": f"rt{stamp}-{index}@bench.test", "password": "bench-password", "name": f"User {index}"})
        users.append(session)

    received = {}
    lock = threading.Lock()
    sockets = []
    for session in users:
        ws = websocket.create_connection(f"ws://127.0.0.1:{args.port}/api/v1/notifications/stream",
                                         header=["Authorization: Bearer " + session["accessToken"]])
        sockets.append(ws)

    def reader(ws):
        while True:
            try:
                frame = json.loads(ws.recv())
            except Exception:
                return
            if frame.get("kind") == "admin":
                with lock:
                    received[frame["title"]] = time.monotonic()

    threads = [threading.Thread(target=reader, args=(ws,), daemon=True) for ws in sockets]
    for thread in threads:
        thread.start()
    # Notifications must know every user (their welcome) before an admin can write to them.
    for session in users:
        while True:
            _, inbox = call(args.port, "GET", "/api/v1/notifications", token=session["accessToken"])
            if inbox["items"]:
                break
            time.sleep(0.05)
    time.sleep(0.5)

    jobs = [(user["user"]["id"], f"n{u}-{k}") for k in range(args.per_user) for u, user in enumerate(users)]
    sent = {}
    cursor = [0]

    def sender():
        while True:
            with lock:
                if cursor[0] >= len(jobs):
                    return
                user_id, title = jobs[cursor[0]]
                cursor[0] += 1
            started = time.monotonic()
            call(args.port, "POST", "/api/v1/admin/notifications", {"userId": user_id, "title": title, "body": "bench"}, admin_token)
            with lock:
                sent[title] = started

    begin = time.monotonic()
    senders = [threading.Thread(target=sender) for _ in range(args.senders)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    posted = time.monotonic()
    deadline = posted + 60
    while time.monotonic() < deadline:
        with lock:
            if len(received) >= len(jobs):
                break
        time.sleep(0.01)
    done = time.monotonic()
    with lock:
        latencies = sorted((received[t] - sent[t]) * 1000 for t in sent if t in received)
    for ws in sockets:
        ws.close()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else float("nan")

    print(f"  {args.users} WebSocket streams, {len(jobs)} notifications from {args.senders} admin threads")
    print(f"  posted/s            {len(jobs) / (posted - begin):8.0f}")
    print(f"  delivered           {len(latencies)} of {len(jobs)} ({len(latencies) / (done - begin):.0f}/s end to end)")
    print(f"  post-to-frame p50   {pct(0.5):8.1f} ms")
    print(f"  post-to-frame p99   {pct(0.99):8.1f} ms")
    print(f"  server peak RSS     {peak_rss_mib(args.pid):8.0f} MiB")


if __name__ == "__main__":
    main()
