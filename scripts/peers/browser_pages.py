#!/usr/bin/env python3
"""Bazaar's pages in a real browser (headless Chromium driven by Selenium), for the test suite.

Opens the API reference and the GraphQL explorer of a running Bazaar, uses them as a person
would, and checks that the browser fetched nothing from another host and reported no error
(a Content-Security-Policy violation included). Prints one line per check:
  PASS <what>   or   FAIL <what>: <why>
and exits 0 only when every check passed.
"""
import argparse
import json
import signal
import sys
import urllib.parse
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser_common import Checks, browser, outside_requests, reported_errors

checks = Checks()
check = checks.check


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="the Bazaar's base URL")
    parser.add_argument("--token", required=True, help="an access token of a signed-in user")
    parser.add_argument("--user-id", required=True, help="that user's id")
    parser.add_argument("--admin-token", required=True, help="an admin's access token, to send the user a notification")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--driver", default="/usr/bin/chromedriver")
    args = parser.parse_args()
    base = args.url.rstrip("/")
    origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(base))
    with urllib.request.urlopen(base + "/api-docs/v1/openapi.json") as response:
        spec = json.load(response)
    operations = sum(1 for item in spec["paths"].values() for method in item if method in ("get", "post", "put", "patch", "delete"))

    page = browser(args.chromium, args.driver)
    wait = WebDriverWait(page, 20)
    try:
        # The API reference: every operation of the document, a filter, and "Try it".
        page.get(base + "/api-docs/v1/")
        wait.until(lambda p: p.find_element(By.TAG_NAME, "body").get_attribute("data-ready"))
        shown = len(page.find_elements(By.CSS_SELECTOR, "section.operation"))
        check("the reference shows every operation of the document", shown == operations, f"{shown} shown, {operations} documented")
        page.find_element(By.ID, "filter").send_keys("wallet")
        visible = [s for s in page.find_elements(By.CSS_SELECTOR, "section.operation") if s.is_displayed()]
        check("the filter keeps only matching operations",
              0 < len(visible) < shown and all("wallet" in s.get_attribute("data-search") for s in visible), f"{len(visible)} visible")
        page.find_element(By.ID, "filter").clear()
        page.execute_script("document.getElementById('filter').dispatchEvent(new Event('input'))")

        def try_operation(operation_id):
            section = page.find_element(By.ID, operation_id)
            page.execute_script("arguments[0].scrollIntoView()", section)
            if section.find_element(By.CSS_SELECTOR, "details.try-it").get_attribute("open") is None:
                section.find_element(By.CSS_SELECTOR, "details.try-it > summary").click()
            section.find_element(By.CSS_SELECTOR, "form.try button[type=submit]").click()
            result = section.find_element(By.CSS_SELECTOR, "pre.result")
            wait.until(lambda _: "…" not in result.text and result.text.strip())
            return result.text

        listing = try_operation("getApiV1Products")
        check("Try it lists products", listing.startswith("200") and '"items"' in listing, listing[:200])
        unsigned = try_operation("getApiV1UsersMe")
        check("Try it without a token is refused with a problem", unsigned.startswith("401") and "application/problem+json" in unsigned, unsigned[:200])
        page.find_element(By.ID, "token").send_keys(args.token)
        signed = try_operation("getApiV1UsersMe")
        check("Try it with the token shows the profile", signed.startswith("200") and '"email"' in signed, signed[:200])

        # The GraphQL explorer: the schema from introspection, a query run, a field written out.
        page.get(base + "/graphql")
        wait.until(lambda p: p.find_element(By.TAG_NAME, "body").get_attribute("data-ready"))
        fields = page.find_elements(By.CSS_SELECTOR, "#schema [data-field]")
        check("the explorer lists the schema's root fields", any(f.get_attribute("data-field") == "products" for f in fields), f"{len(fields)} fields")
        page.find_element(By.ID, "run").click()
        wait.until(lambda p: p.find_element(By.ID, "result").text.strip())
        answer = json.loads(page.find_element(By.ID, "result").text)
        check("the starter query runs", "products" in answer.get("data", {}) and "errors" not in answer, json.dumps(answer)[:200])
        page.find_element(By.ID, "token").send_keys(args.token)
        page.find_element(By.CSS_SELECTOR, '#schema [data-field="me"] button').click()
        query = page.find_element(By.ID, "query").get_attribute("value")
        check("a root field clicked writes its query", query.startswith("query") and "me" in query and "email" in query, query)
        page.find_element(By.ID, "run").click()
        wait.until(lambda p: '"me"' in p.find_element(By.ID, "result").text)
        me = json.loads(page.find_element(By.ID, "result").text)
        check("the query runs as the signed-in user", bool(me.get("data", {}).get("me", {}).get("email")), json.dumps(me)[:200])

        # The realtime page, over each transport: connect with the token, then a notification
        # sent to the user arrives.
        for protocol, label in [("stream", "the WebSocket stream"), ("socket.io", "Socket.IO")]:
            page.get(base + "/realtime")
            page.find_element(By.ID, "token").send_keys(args.token)
            Select(page.find_element(By.ID, "protocol")).select_by_value(protocol)
            page.find_element(By.ID, "open").click()
            wait.until(lambda p: p.find_element(By.TAG_NAME, "body").get_attribute("data-state") in ("open", "closed", "refused"))
            check(f"the realtime page connects over {label}", page.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "open",
                  page.find_element(By.ID, "state").text)
            title = f"Browser ping over {protocol}"
            request = urllib.request.Request(
                base + "/api/v1/admin/notifications", method="POST",
                data=json.dumps({"userId": args.user_id, "title": title, "body": "seen live"}).encode(),
                headers={"Authorization": "Bearer " + args.admin_token, "Content-Type": "application/json"})
            with urllib.request.urlopen(request) as response:
                response.read()
            try:
                wait.until(lambda p: title in p.find_element(By.ID, "frames").text)
                arrived = True
            except Exception:
                arrived = False
            check(f"a notification arrives on the realtime page over {label}", arrived, page.find_element(By.ID, "frames").text[:200])

        outside = outside_requests(page, origin)
        check("nothing was fetched from another host", not outside, ", ".join(outside[:5]))
        errors = reported_errors(page)
        check("the browser reported no error (no CSP violation)", not errors, " | ".join(errors[:3]))
    except Exception as error:  # a step that could not run is a failure, said on stdout
        check("every step ran", False, f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
    finally:
        page.quit()
    return 0 if checks.failures == 0 else 1


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    sys.exit(main())
