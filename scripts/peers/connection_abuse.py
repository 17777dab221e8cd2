#!/usr/bin/env python3
"""Hostile and sloppy TCP clients against a live Bazaar, for the connection-limit tests.

  probes    one connection per malformed request; prints `PROBE <name> <status line> <closed>`,
            where closed says whether the server closed the connection after answering.
  slowloris opens --count connections that each send half a request head and keep still, then
            makes --requests ordinary GET /health/live calls on new connections; prints
            `SLOWLORIS held=<connections still open> ok=<200 answers> failed=<others>`.
Standard library only; every socket has a timeout, so the script always ends."""
import argparse, socket, time

CRLF = b"\r\n"


def status_and_close(port, data, wait):
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    try:
        if data:
            s.sendall(data)
        answer = b""
        while CRLF not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
        line = answer.split(CRLF)[0].decode("latin-1") or "-"
        closed = False
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    closed = True
                    break
        except ConnectionResetError:
            closed = True
        except socket.timeout:
            closed = False
        return line, closed
    except (ConnectionResetError, BrokenPipeError):
        return "-", True
    finally:
        s.close()


def probes(port, wait):
    cases = [
        ("invalid-utf8", b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("spaces", b"GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("not-http", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03 not http at all\r\n\r\n"),
        ("long-url", b"GET /" + b"a" * 80_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("big-header", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n"),
        ("many-headers", b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(2000)) + b"\r\n"),
        ("half-head", b"GET /health/live HTTP/1.1\r\nHost: x\r\n"),
        ("silent", b""),
        ("fine", b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"),
    ]
    for name, data in cases:
        line, closed = status_and_close(port, data, wait)
        print(f"PROBE {name} {line.replace(' ', '_')} {'closed' if closed else 'open'}", flush=True)


def slowloris(port, count, requests, wait):
    held = []
    for _ in range(count):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=wait)
            s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
            held.append(s)
        except OSError:
            break
    ok = failed = 0
    for _ in range(requests):
        try:
            line, _ = status_and_close(port, b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", wait)
            ok += line.startswith("HTTP/1.1 200")
            failed += not line.startswith("HTTP/1.1 200")
        except OSError:
            failed += 1
    still = 0
    for s in held:
        s.setblocking(False)
        try:
            still += s.recv(1) != b""  # data would be an answer; b"" a close
        except BlockingIOError:
            still += 1
        except OSError:
            pass
        s.close()
    print(f"SLOWLORIS held={still} ok={ok} failed={failed}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["probes", "slowloris"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--wait", type=float, default=10)
    args = parser.parse_args()
    if args.mode == "probes":
        probes(args.port, args.wait)
    else:
        slowloris(args.port, args.count, args.requests, args.wait)


if __name__ == "__main__":
    main()
