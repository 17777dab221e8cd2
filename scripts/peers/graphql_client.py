#!/usr/bin/env python3
"""A stock GraphQL client (gql, with the requests transport) against a live Bazaar: loads the
schema by introspection the way gql and GraphiQL ask for it (input-value deprecation included),
validates and runs queries against it. Prints `SCHEMA types=<n>` and one `RESULT <name> <json>`
line per query, or `ERROR <name> <message>`; exits 0 when all ran."""
import argparse, json, sys

from gql import Client, gql
from gql.transport.requests import RequestsHTTPTransport


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token")
    args = parser.parse_args()
    headers = {"Authorization": "Bearer " + args.token} if args.token else {}
    transport = RequestsHTTPTransport(url=args.url, headers=headers, timeout=30)
    client = Client(transport=transport, fetch_schema_from_transport=True,
                    introspection_args={"input_value_deprecation": True, "directive_is_repeatable": True})
    failed = False
    with client as session:
        print(f"SCHEMA types={len(client.schema.type_map)}", flush=True)
        queries = {
            "products": "{ products(first: 2) { nodes { id name price { amount currency } } pageInfo { hasNextPage } } }",
            "emptyProduct": '{ product(id: "") { id } }',
            "emptyOrder": '{ order(id: "") { id } }',
            "me": "{ me { id email } }",
        }
        for name, query in queries.items():
            try:
                print(f"RESULT {name} {json.dumps(session.execute(gql(query)), sort_keys=True)}", flush=True)
            except Exception as error:  # a refusal is a line, not a crash: the test reads it
                failed = True
                print(f"ERROR {name} {str(error).splitlines()[0] if str(error) else type(error).__name__}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
