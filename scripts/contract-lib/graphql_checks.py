"""schemathesis check for Bazaar's GraphQL endpoint (loaded with SCHEMATHESIS_HOOKS=graphql_checks).

schemathesis counts every `errors` entry that is not a validation error as a server failure
(ST113): it expects expected outcomes as data. Bazaar answers a module's refusal as an error with
`extensions.code` (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, BAD_USER_INPUT, ...), as its
README documents. This check keeps what ST101/ST113 are for and drops only that opinion: the
HTTP status is not 5xx, the answer is a GraphQL result (`data` and/or `errors`), every error
carries a code, and none is INTERNAL_SERVER_ERROR."""
import schemathesis


@schemathesis.check
def graphql_no_server_error(ctx, response, case):
    assert response.status_code < 500, f"HTTP {response.status_code}"
    if response.status_code != 200:
        return None  # a malformed request is a problem+json (the OpenAPI pass covers those)
    body = response.json()
    results = body if isinstance(body, list) else [body]
    for result in results:
        assert isinstance(result, dict) and ("data" in result or "errors" in result), f"not a GraphQL result: {result!r:.200}"
        for error in result.get("errors") or []:
            code = (error.get("extensions") or {}).get("code")
            assert code, f"an error without extensions.code: {error!r:.200}"
            assert code != "INTERNAL_SERVER_ERROR", f"internal server error: {error!r:.300}"
    return None
