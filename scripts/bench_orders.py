#!/usr/bin/env python3
"""Drives order placement against a running Bazaar and prints throughput and latency.

Loads a catalog, registers one user per client, then each client places orders (one to three
random lines, onDelivery) back to back for the given duration. Afterwards it waits until no
order is pending and reports: orders accepted/s, orders confirmed/s end to end (placed until the
saga confirmed the last one), p50/p99 of POST /orders, and the server's peak RSS (VmHWM).
Standard library only.
"""
import argparse, http.client, json, random, statistics, threading, time, uuid


def call(conn, method, path, body=None, token=None, headers=None):
    h = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    response = conn.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data else None)


def peak_rss_mib(pid):
    """The server's peak resident memory (VmHWM), in MiB."""
    with open(f"/proc/{pid}/status") as status_file:
        for line in status_file:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--admin-email", required=True)
    parser.add_argument("--admin-password", required=True)
    parser.add_argument("--pid", type=int, required=True)
    args = parser.parse_args()

    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    status, session = call(conn, "POST", "/api/v1/auth/login", {"email": args.admin_email, "password": args.admin_password})
    assert status == 200, (status, session)
    admin = session["accessToken"]
    products = []
    for i in range(args.products):
        status, product = call(conn, "POST", "/api/v1/products", {
            "sku": f"BENCH-{i}", "name": f"Bench product {i}", "description": "benchmark",
            "price": {"amount": 100 + i, "currency": "USD"}, "stock": 1_000_000}, token=admin)
        assert status == 201, (status, product)
        products.append(product["id"])
    tokens = []
    for i in range(args.clients):
        status, session = call(conn, "POST", "/api/v1/auth/register", {"email": f"bench{i}-{uuid.uuid4().hex[:6]}@example.com", "password": "bench-password", "name": "Bench"})
        assert status == 201, (status, session)
        tokens.append(session["accessToken"])

    latencies, errors, accepted = [], [], [0]
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + args.seconds

    def client(token):
        c = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        local, failures, count = [], 0, 0
        while time.monotonic() < deadline:
            lines = [{"productId": pid, "quantity": random.randint(1, 3)} for pid in random.sample(products, random.randint(1, 3))]
            began = time.monotonic()
            status, _ = call(c, "POST", "/api/v1/orders", {"items": lines, "paymentMethod": "onDelivery"}, token=token,
                             headers={"Idempotency-Key": str(uuid.uuid4())})
            local.append(time.monotonic() - began)
            if status == 202:
                count += 1
            else:
                failures += 1
        with lock:
            latencies.extend(local)
            errors.append(failures)
            accepted[0] += count

    threads = [threading.Thread(target=client, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    placing_took = time.monotonic() - start

    while True:
        status, page = call(conn, "GET", "/api/v1/admin/orders?status=pending&limit=1", token=admin)
        if status == 401:  # the admin token expired during a long run
            status, session = call(conn, "POST", "/api/v1/auth/login", {"email": args.admin_email, "password": args.admin_password})
            admin = session["accessToken"]
            continue
        if not page["items"]:
            break
        time.sleep(0.05)
    settled_after = time.monotonic() - start

    peak_kb = peak_rss_mib(args.pid) * 1024
    latencies.sort()
    ms = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(f"clients {args.clients}, {args.seconds:.0f} s, {len(products)} products")
    print(f"orders accepted      {accepted[0]} ({accepted[0] / placing_took:.1f}/s), non-202 answers {sum(errors)}")
    print(f"orders confirmed/s   {accepted[0] / settled_after:.1f} (all confirmed {settled_after - placing_took:.2f} s after the last was placed)")
    print(f"POST /orders latency p50 {ms(0.50):.1f} ms, p99 {ms(0.99):.1f} ms, mean {statistics.mean(latencies) * 1000:.1f} ms")
    print(f"server peak RSS      {peak_kb / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
