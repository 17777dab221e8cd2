#!/usr/bin/env python3
"""The storefront and the admin console in real browsers (headless Chromium under Selenium),
for the test suite. Two browsers, as two people: a customer who registers, searches, fills a
cart, checks out (the order turns confirmed on screen without a reload), claims a promotion, pays
an order from the wallet, reads the inbox and resets a password; and an admin who creates a
product with an image and ships the customer's order, which the customer's open page shows live.
Also: a customer refused by the admin console, a product named with markup shown as text, and
no request to another host. Writes a screenshot of each journey's last screen to --screenshots.
Prints PASS/FAIL lines; exits 0 only when every check passed.
"""
import argparse
import json
import os
import signal
import struct
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request
import zlib

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from browser_common import Checks, browser, outside_requests, reported_errors

checks = Checks()
check = checks.check
XSS_NAME = '<img src=x onerror="window.__xss=1"><b>Hat</b>'


def png(top, bottom, width=96, height=72):
    """A PNG of a vertical gradient between two RGB colours: product images for the journeys."""
    rows = b"".join(b"\x00" + bytes(round(a + (b - a) * y / (height - 1)) for a, b in zip(top, bottom)) * width for y in range(height))
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


class API:
    """The admin's side calls that set the scene (a promotion to claim), through the REST API."""

    def __init__(self, base, email, password):
        self.base = base
        self.token = self.call("POST", "/api/v1/auth/login", {"email": email, "password": password})["accessToken"]

    def call(self, method, path, body=None, content_type="application/json"):
        headers = {"Content-Type": content_type}
        if getattr(self, "token", None):
            headers["Authorization"] = "Bearer " + self.token
        data = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, method=method, headers=headers, data=data)
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return json.loads(text) if text else None

    def user_id(self, email):
        return self.call("GET", "/api/v1/admin/users?email=" + urllib.parse.quote(email))["items"][0]["id"]


def body_attribute(page, name):
    return page.find_element(By.TAG_NAME, "body").get_attribute(name)


def open_view(page, wait, url, view):
    page.get(url)
    wait.until(lambda p: body_attribute(p, "data-ready") == "true" and body_attribute(p, "data-view") == view)


def go(page, wait, hash_, view):
    """Moves within the open page (no reload), as a click on a link would."""
    page.execute_script("location.hash = arguments[0]", hash_)
    wait.until(lambda p: body_attribute(p, "data-view") == view and p.find_element(By.ID, "view").get_attribute("aria-busy") is None)


def submit(page, form_id, values):
    form = page.find_element(By.ID, form_id)
    for name, value in values.items():
        field = form.find_element(By.NAME, name)
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        else:
            field.clear()
            field.send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def flash_text(page):
    return page.find_element(By.ID, "flash").text


def customer_journey(page, wait, base, api, email, shots):
    marker = None
    open_view(page, wait, base + "/#/register", "register")
    submit(page, "register", {"name": "Casey Customer", "email": email, "password": "casey-password-1"})
    wait.until(lambda p: p.find_elements(By.ID, "who"))
    check("a new customer registers and is signed in", page.find_element(By.ID, "who").text == "Casey Customer")
    # Every cookie the browser holds (the refresh cookie's path is the auth routes, not this page's).
    cookies = {c["name"]: c for c in page.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]}
    refresh_cookie = cookies.get("bazaar_refresh")
    check("the refresh token is an HttpOnly, SameSite=Strict cookie no script can read",
          refresh_cookie is not None and refresh_cookie["httpOnly"] and refresh_cookie.get("sameSite") == "Strict"
          and "bazaar_refresh" not in page.execute_script("return document.cookie"), str(refresh_cookie))

    # Search, then add to the cart from the list.
    page.find_element(By.ID, "search").send_keys("mug", Keys.ENTER)
    wait.until(lambda p: "matching" in p.find_element(By.CSS_SELECTOR, "#view h2").text)
    names = [e.text for e in page.find_elements(By.CSS_SELECTOR, "li.product .name")]
    check("search finds the mug and only what matches", names == ["Blue Mug"], str(names))
    page.find_element(By.CSS_SELECTOR, "li.product button.add").click()
    wait.until(lambda p: p.find_element(By.ID, "cart-count").text == "1")

    # Markup in a product's name is text.
    go(page, wait, "#/?q=Hat", "shop")
    shown = [e.text for e in page.find_elements(By.CSS_SELECTOR, "li.product .name")]
    injected = page.find_elements(By.CSS_SELECTOR, "li.product .name b, li.product .name img")
    check("a product named with markup shows the markup as text", shown == [XSS_NAME] and not injected
          and not page.execute_script("return window.__xss"), str(shown))

    # The cart: a quantity set, the total follows; checkout clicked twice makes one order.
    go(page, wait, "#/cart", "cart")
    quantity = page.find_element(By.CSS_SELECTOR, "input.quantity")
    quantity.send_keys(Keys.CONTROL, "a")
    quantity.send_keys("2", Keys.TAB)
    wait.until(lambda p: p.find_element(By.ID, "cart-total").text == "$25.00")
    check("the cart's total follows the quantity", page.find_element(By.CSS_SELECTOR, "input.quantity").get_attribute("value") == "2")
    page.execute_script("window.__marker = 'no reload'")
    button = page.find_element(By.CSS_SELECTOR, "#checkout button[type=submit]")
    page.execute_script("arguments[0].click(); arguments[0].click(); document.getElementById('checkout').requestSubmit()", button)
    wait.until(lambda p: body_attribute(p, "data-view") == "orders" and p.find_elements(By.CSS_SELECTOR, "tr.order"))
    wait.until(lambda p: p.find_element(By.CSS_SELECTOR, "tr.order .status").get_attribute("data-status") == "confirmed")
    check("the order turns confirmed on screen without a reload", page.execute_script("return window.__marker") == "no reload")
    orders = api.call("GET", "/api/v1/admin/orders?userId=" + api.user_id(email))["items"]
    check("a double click and a resent form place one order", len(orders) == 1, f"{len(orders)} orders")

    # A promotion assigned by the admin arrives live in the inbox count; claimed, it is in the wallet.
    promotion = api.call("POST", "/api/v1/admin/promotions", {"title": "Welcome gift", "description": "For you",
                                                              "amount": {"amount": 5000, "currency": "USD"}})
    api.call("POST", f"/api/v1/admin/promotions/{promotion['id']}/assignments", {"userIds": [api.user_id(email)]})
    wait.until(lambda p: p.find_element(By.ID, "unread").text not in ("", "0"))
    go(page, wait, "#/promotions", "promotions")
    page.find_element(By.CSS_SELECTOR, "li.card button.claim").click()
    wait.until(lambda p: p.find_elements(By.CSS_SELECTOR, 'li.card [data-state="claimed"]'))
    go(page, wait, "#/wallet", "wallet")
    check("a claimed promotion is in the wallet", page.find_element(By.ID, "balance").text == "$50.00", page.find_element(By.ID, "balance").text)

    # An order paid from the wallet.
    go(page, wait, "#/?q=kettle", "shop")
    page.find_element(By.CSS_SELECTOR, "li.product button.add").click()
    wait.until(lambda p: "in your cart" in flash_text(p))
    go(page, wait, "#/cart", "cart")
    submit(page, "checkout", {"paymentMethod": "wallet"})
    wait.until(lambda p: body_attribute(p, "data-view") == "orders" and len(p.find_elements(By.CSS_SELECTOR, "tr.order")) == 2)
    wait.until(lambda p: p.find_element(By.CSS_SELECTOR, "tr.order .status").get_attribute("data-status") == "confirmed")
    go(page, wait, "#/wallet", "wallet")
    check("an order paid from the wallet is debited", page.find_element(By.ID, "balance").text == "$30.00"
          and "Order paid" in page.find_element(By.ID, "view").text, page.find_element(By.ID, "view").text[:300])

    # The inbox: notifications read, the count gone.
    go(page, wait, "#/inbox", "inbox")
    titles = page.find_element(By.ID, "view").text
    check("the inbox lists the order and promotion notifications", "confirmed" in titles and "promotion" in titles, titles[:300])
    page.find_element(By.XPATH, "//button[text()='Mark all read']").click()
    wait.until(lambda p: p.find_element(By.ID, "unread").text == "")
    check("reading the inbox clears the unread count", not page.find_elements(By.CSS_SELECTOR, "ul.inbox li.unread"))
    go(page, wait, "#/orders", "orders")
    page.save_screenshot(os.path.join(shots, "customer.png"))


def admin_journey(page, wait, base, admin_email, admin_password, customer_page, customer_wait, customer_email, shots):
    open_view(page, wait, base + "/#/login?next=/admin", "login")
    submit(page, "login", {"email": admin_email, "password": admin_password})
    wait.until(lambda p: p.current_url.startswith(base + "/admin") and body_attribute(p, "data-view") == "overview")
    # The gauges behind /metrics belong to the process: where several Bazaars share one (the
    # test suite), another's count may be drawn for a moment. The overview redraws every 3 s.
    confirmed_text = lambda p: p.find_element(By.CSS_SELECTOR, 'svg.chart text[data-status="confirmed"]').text
    try:
        wait.until(lambda p: p.find_elements(By.CSS_SELECTOR, "svg.chart") and confirmed_text(p) == "2")
    except TimeoutException:
        pass
    confirmed = confirmed_text(page)
    check("the admin console opens on an overview charting orders by status", confirmed == "2", confirmed)

    # A product created with an image, then shown with it in the storefront.
    go(page, wait, "#/products", "products")
    page.find_element(By.CSS_SELECTOR, "details.panel > summary").click()
    image = os.path.join(tempfile.mkdtemp(), "lamp.png")
    with open(image, "wb") as file:
        file.write(png((250, 220, 120), (200, 140, 40)))
    form = page.find_element(By.ID, "new-product")
    for name, value in {"name": "Desk Lamp", "description": "Warm light", "amount": "19.90", "sku": "LAMP-1", "stock": "4"}.items():
        field = form.find_element(By.NAME, name)
        field.clear()
        field.send_keys(value)
    form.find_element(By.NAME, "image").send_keys(image)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda p: "Product created" in flash_text(p) or "error" in (p.find_element(By.ID, "flash").get_attribute("innerHTML")))
    # One entry per Desk Lamp row: whether it shows a thumbnail (read again if the table re-renders).
    lamps = wait.until(lambda p: [bool(r.find_elements(By.CSS_SELECTOR, "img.thumb"))
                                  for r in p.find_elements(By.CSS_SELECTOR, "tr[data-product]") if "Desk Lamp" in r.text] or None)
    check("an admin creates a product with an image", lamps == [True], f"{lamps} {flash_text(page)}")
    go(customer_page, customer_wait, "#/?q=lamp", "shop")
    customer_wait.until(lambda p: p.execute_script(
        "const i = document.querySelector('li.product img'); return i && i.complete && i.naturalWidth > 0"))
    check("the storefront shows the product with its image", True)
    go(customer_page, customer_wait, "#/", "shop")
    customer_wait.until(lambda p: p.execute_script(
        "return [...document.querySelectorAll('li.product img')].every(i => i.complete && i.naturalWidth > 0)"))
    customer_page.save_screenshot(os.path.join(shots, "storefront.png"))

    # Edited and restocked in the console; the storefront shows the new price and stock.
    def on_lamp_row(act):
        """Runs act(row) on the Desk Lamp's row; when the table re-renders under it (the list
        reloads after a save), the stale row is dropped and act runs on the new one."""
        def attempt(p):
            row = next((r for r in p.find_elements(By.CSS_SELECTOR, "tr[data-product]") if "Desk Lamp" in r.text), None)
            if row is None:
                return False
            act(row)
            return True
        wait.until(attempt)  # the wait ignores StaleElementReferenceException and tries again

    def change_lamp(form_class, name, value, done):
        def fill(row):
            row.find_element(By.CSS_SELECTOR, "details > summary").click()
            form = row.find_element(By.CSS_SELECTOR, "form." + form_class)
            field = form.find_element(By.NAME, name)
            field.clear()
            field.send_keys(value)
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        on_lamp_row(fill)
        wait.until(lambda p: done in flash_text(p))

    change_lamp("edit-product", "amount", "17.50", "Product saved")
    change_lamp("stock-form", "stock", "9", "Stock set")
    go(customer_page, customer_wait, "#/?q=lamp", "shop")
    card = customer_page.find_element(By.CSS_SELECTOR, "li.product").text
    check("an edit and a restock in the console show in the storefront", "$17.50" in card and "9 in stock" in card, card)
    go(customer_page, customer_wait, "#/orders", "orders")

    # Ship the customer's order; the customer's open page shows it live.
    go(page, wait, "#/orders?status=confirmed", "orders")
    row = page.find_elements(By.CSS_SELECTOR, "tr[data-order]")[0]
    order_id = row.get_attribute("data-order")
    Select(row.find_element(By.TAG_NAME, "select")).select_by_value("shipped")
    row.find_element(By.CSS_SELECTOR, "button.move").click()
    wait.until(lambda p: "Order moved" in flash_text(p))
    customer_wait.until(lambda p: p.find_element(By.CSS_SELECTOR, f'tr[data-order="{order_id}"] .status').get_attribute("data-status")
                        == "shipped")
    check("the customer's open page shows the shipped order live", True)
    customer_page.save_screenshot(os.path.join(shots, "customer-shipped.png"))

    # A promotion created and assigned in the console reaches the customer's open page live.
    unread = customer_page.find_element(By.ID, "unread").text
    go(page, wait, "#/promotions", "promotions")
    page.find_element(By.CSS_SELECTOR, "details.panel > summary").click()
    submit(page, "new-promotion", {"title": "Loyalty", "description": "Thanks", "amount": "5"})
    wait.until(lambda p: "Promotion created" in flash_text(p))

    def assign(p):  # the list reloads after the flash: wait for the new row, again if it re-renders
        rows = p.find_elements(By.CSS_SELECTOR, 'tr[data-promotion="Loyalty"] form.assign')
        if not rows:
            return False
        rows[0].find_element(By.NAME, "emails").send_keys(customer_email)
        rows[0].find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        return True
    wait.until(assign)
    wait.until(lambda p: "Assigned to 1" in flash_text(p))
    customer_wait.until(lambda p: p.find_element(By.ID, "unread").text != unread)
    check("a promotion created and assigned in the console reaches the customer live", True)

    # Deleted in the console, gone from the storefront.
    go(page, wait, "#/products", "products")
    def delete(row):
        row.find_element(By.CSS_SELECTOR, "details > summary").click()
        row.find_element(By.CSS_SELECTOR, "button.danger").click()
    on_lamp_row(delete)
    wait.until(lambda p: "Product deleted" in flash_text(p))
    go(customer_page, customer_wait, "#/?q=lamp", "shop")
    check("a product deleted in the console is gone from the storefront",
          not customer_page.find_elements(By.CSS_SELECTOR, "li.product"), customer_page.find_element(By.ID, "view").text[:200])
    go(customer_page, customer_wait, "#/orders", "orders")

    # Dead letters, mail, audit, API keys open; a key is shown once.
    for view in ["dead-letters", "mail", "audit", "users", "promotions", "notifications"]:
        go(page, wait, "#/" + view, view)
    check("every admin view opens", not page.find_elements(By.CSS_SELECTOR, "#flash .error"), flash_text(page))
    go(page, wait, "#/api-keys", "api-keys")
    submit(page, "new-api-key", {"name": "Reports", "scope": "read"})
    wait.until(lambda p: p.find_elements(By.ID, "new-key"))
    key = page.find_element(By.ID, "new-key").text
    go(page, wait, "#/", "overview")
    go(page, wait, "#/api-keys", "api-keys")
    check("an API key is shown once, then never", len(key) > 20 and key not in page.page_source, key[:6])
    go(page, wait, "#/", "overview")
    wait.until(lambda p: p.find_elements(By.CSS_SELECTOR, "svg.chart"))
    page.save_screenshot(os.path.join(shots, "admin.png"))


def reset_journey(page, wait, base, api, email, shots):
    page.find_element(By.ID, "sign-out").click()
    # Signing out ends on the shop: wait for that, or it may land after the next step's navigation.
    wait.until(lambda p: p.find_elements(By.ID, "sign-in") and "Signed out" in flash_text(p) and body_attribute(p, "data-view") == "shop")
    go(page, wait, "#/forgot", "forgot")
    submit(page, "forgot", {"email": email})
    wait.until(lambda p: "on its way" in flash_text(p))
    link = None
    for _ in range(50):
        mails = api.call("GET", "/api/v1/admin/mail?to=" + urllib.parse.quote(email))["items"]
        bodies = [m["body"] for m in mails if "reset-password?token=" in m["body"]]
        if bodies:
            link = bodies[0][bodies[0].index("/reset-password?token="):].split()[0]
            break
        time.sleep(0.2)  # the mail is a job, sent just after the request
    check("the reset mail carries a link", link is not None)
    open_view(page, wait, base + link, "reset")
    submit(page, "reset", {"newPassword": "casey-password-2"})
    wait.until(lambda p: body_attribute(p, "data-view") == "login")
    submit(page, "login", {"email": email, "password": "casey-password-2"})
    wait.until(lambda p: p.find_elements(By.ID, "who"))
    check("the customer signs in with the new password", page.find_element(By.ID, "who").text == "Casey Customer")
    page.save_screenshot(os.path.join(shots, "password-reset.png"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--admin-email", required=True)
    parser.add_argument("--admin-password", required=True)
    parser.add_argument("--screenshots", required=True, help="a folder for each journey's last screen")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--driver", default="/usr/bin/chromedriver")
    args = parser.parse_args()
    base = args.url.rstrip("/")
    os.makedirs(args.screenshots, exist_ok=True)
    api = API(base, args.admin_email, args.admin_password)
    for name, sku, price, stock, colours in [("Blue Mug", "MUG-1", 1250, 10, ((90, 140, 230), (30, 60, 140))),
                                             ("Red Kettle", "KETTLE-1", 2000, 5, ((240, 110, 90), (150, 30, 30))),
                                             (XSS_NAME, "HAT-1", 900, 3, None)]:
        product = api.call("POST", "/api/v1/products", {"name": name, "description": "From the browser test", "sku": sku,
                                                        "price": {"amount": price, "currency": "USD"}, "stock": stock})
        if colours:
            api.call("PUT", f"/api/v1/products/{product['id']}/image", png(*colours), content_type="image/png")
    email = "casey@example.com"
    customer, admin = browser(args.chromium, args.driver), browser(args.chromium, args.driver)
    # Views are redrawn as data arrives: an element found a moment ago may be gone, so look again.
    customer_wait, admin_wait = [WebDriverWait(page, 20, ignored_exceptions=[StaleElementReferenceException]) for page in (customer, admin)]
    try:
        customer_journey(customer, customer_wait, base, api, email, args.screenshots)
        # A customer at the admin console: the server does not serve the page, and says why.
        customer.get(base + "/admin")
        customer_wait.until(lambda p: body_attribute(p, "data-ready") == "true" and "Admins only" in flash_text(p))
        check("a customer is refused the admin console by the server", not customer.current_url.startswith(base + "/admin")
              and not customer.find_elements(By.CSS_SELECTOR, "nav.side"), customer.current_url)
        open_view(customer, customer_wait, base + "/#/orders", "orders")
        admin_journey(admin, admin_wait, base, args.admin_email, args.admin_password, customer, customer_wait, email, args.screenshots)
        reset_journey(customer, customer_wait, base, api, email, args.screenshots)
        origin = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(base))
        for who, page in [("customer", customer), ("admin", admin)]:
            outside = outside_requests(page, origin)
            check(f"the {who}'s browser fetched nothing from another host", not outside, ", ".join(outside[:5]))
            errors = reported_errors(page, expected=("401", "403"))
            check(f"the {who}'s browser reported no error (no CSP violation)", not errors, " | ".join(errors[:3]))
    except Exception as error:  # a step that could not run is a failure, said on stdout
        step = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == __file__][-1]
        check("every step ran", False, f"line {step.lineno} ({step.line}): {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
        for name, page in [("customer-failed.png", customer), ("admin-failed.png", admin)]:
            page.save_screenshot(os.path.join(args.screenshots, name))
    finally:
        customer.quit()
        admin.quit()
    return 0 if checks.failures == 0 else 1


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    sys.exit(main())
