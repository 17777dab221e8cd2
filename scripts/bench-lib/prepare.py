#!/usr/bin/env python3
"""Benchmark data for the wrk scripts: logs the admin in, creates a catalog and registers users,
and writes `token <accessToken>` and `product <id>` lines to --out. Standard library only."""
import argparse, http.client, json, uuid


def call(conn, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data else None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--admin-email", required=True)
    parser.add_argument("--admin-password", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
    status, session = call(conn, "POST", "/api/v1/auth/login", {"email": args.admin_email, "password": args.admin_password})
    assert status == 200, (status, session)
    admin = session["accessToken"]
    lines = []
    for i in range(args.products):
        status, product = call(conn, "POST", "/api/v1/products", {
            "sku": f"BENCH-{uuid.uuid4().hex[:8]}", "name": f"Bench product {i}", "description": "benchmark",
            "price": {"amount": 100 + i, "currency": "USD"}, "stock": 100_000_000}, token=admin)
        assert status == 201, (status, product)
        lines.append(f"product {product['id']}")
    for i in range(args.users):
        status, session = call(conn, "POST", "/api/v1/auth/register", {
            "email": f"bench{i}-{uuid.uuid4().hex[:6]}@example.com", "password": "bench-password", "name": "Bench"})
        assert status == 201, (status, session)
        lines.append(f"token {session['accessToken']}")
    with open(args.out, "w") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
