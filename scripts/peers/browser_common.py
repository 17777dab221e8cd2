"""What the browser checks share: a headless Chromium under Selenium that records every request
it makes and every error it reports, and PASS/FAIL lines on stdout."""
import json
import sys

from selenium import webdriver


class Checks:
    def __init__(self):
        self.failures = 0

    def check(self, what, passed, why=""):
        if not passed:
            self.failures += 1
        sys.stdout.write(("PASS " if passed else "FAIL ") + what + ("" if passed else f": {why}") + "\n")
        sys.stdout.flush()


def browser(chromium, driver):
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=driver))


def requested_urls(page):
    urls = []
    for entry in page.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def outside_requests(page, origin):
    """Requests to anywhere but Bazaar itself (a CDN, a font service): there must be none."""
    return [url for url in requested_urls(page) if not (url.startswith(origin + "/") or url.startswith("data:") or url.startswith("blob:"))]


def reported_errors(page, expected=("401",)):
    """Errors the browser logged (a Content-Security-Policy violation included), except answers
    with a status the journey asked for on purpose."""
    return [entry["message"] for entry in page.get_log("browser")
            if entry["level"] == "SEVERE" and not any(status in entry["message"] for status in expected)]
