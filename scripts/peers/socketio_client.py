#!/usr/bin/env python3
"""A stock Socket.IO client (python-socketio) for the test suite.

Connects to a Bazaar server, prints one line per happening on stdout:
  ready <transport>          connected (and upgraded, when WebSocket is allowed)
  message <json>             a "message" event
  connect_error <text>       the server refused the connection
  transport <transport>      the transport in use when it finished
Exits after --count messages, or after --seconds.
"""
import argparse
import json
import signal
import sys
import time

import socketio



def say(line):
    # One write per line, so nothing else can land inside it.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def unblock_termination():
    # A parent that handles signals itself (the Swift test runner) may spawn us with SIGTERM
    # blocked; take it back so the harness can stop us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--auth", choices=["query", "payload"], default="query")
    parser.add_argument("--transports", default="polling,websocket")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--kind", help="count only messages of this kind")
    parser.add_argument("--title", help="count only messages with this title")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    transports = args.transports.split(",")

    received = []
    client = socketio.Client(reconnection=False)

    @client.on("message")
    def on_message(data):
        if args.kind in (None, data.get("kind")) and args.title in (None, data.get("title")):
            received.append(data)
        say("message " + json.dumps(data))

    url = args.url
    auth = None
    if args.auth == "query":
        url += "?authorization=" + args.token
    else:
        auth = {"token": args.token}
    try:
        client.connect(url, auth=auth, transports=transports, wait_timeout=10)
    except socketio.exceptions.ConnectionError as error:
        say("connect_error " + str(error))
        return 2

    deadline = time.monotonic() + args.seconds
    if "websocket" in transports:
        while client.transport() != "websocket" and time.monotonic() < deadline:
            time.sleep(0.02)
    say("ready " + client.transport())
    while len(received) < args.count and time.monotonic() < deadline and client.connected:
        time.sleep(0.02)
    say("transport " + (client.transport() if client.connected else "disconnected"))
    client.disconnect()
    return 0 if len(received) >= args.count else 1


if __name__ == "__main__":
    unblock_termination()
    sys.exit(main())
