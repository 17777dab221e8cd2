// The storefront: shop, cart, checkout, orders that change status live, wallet, promotions,
// inbox, profile, password reset. One page; the part after # says which view is shown, so the
// browser's back button and links work. Every view is drawn from the REST API as the signed-in
// user sees it; nothing is kept here that the server does not hold.

import { element, failed, field, fill, flash, form, money, table, when } from "./dom.js";
import { onNotification } from "./live.js";
import { api, currentUser, login, logout, onChange, refresh, register } from "./session.js";

const $ = (id) => document.getElementById(id);
const main = $("view");
let unread = 0;
// One key per checkout attempt: a double click or a resent form places one order.
let checkoutKey = crypto.randomUUID();

function route() {
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  return { parts: path.split("/").filter(Boolean), params: new URLSearchParams(query) };
}

function go(hash) {
  if (location.hash === hash) render(); else location.hash = hash;
}

function needsSignIn() {
  if (currentUser()) return false;
  fill(main, element("section", { class: "panel" },
    element("h2", { text: "Sign in to continue" }),
    element("p", {}, element("a", { href: `#/login?next=${encodeURIComponent(location.hash)}`, text: "Sign in" }), " or ",
      element("a", { href: "#/register", text: "create an account" }), ".")));
  return true;
}

// MARK: shop

async function shop(params) {
  const q = params.get("q") || "";
  const cursor = params.get("cursor") || "";
  $("search").value = q;
  const query = new URLSearchParams({ limit: "12" });
  if (q) query.set("q", q);
  if (cursor) query.set("cursor", cursor);
  const page = await api("GET", `/api/v1/products?${query}`);
  const pageLink = (next) => `#/?${new URLSearchParams({ ...(q ? { q } : {}), ...(next ? { cursor: next } : {}) })}`;
  fill(main,
    element("h2", { text: q ? `Products matching “${q}”` : "Products" }),
    page.items.length ? null : element("p", { class: "summary", text: "Nothing found." }),
    element("ul", { class: "products" }, page.items.map((product) => element("li", { class: "product", "data-id": product.id },
      element("a", { href: `#/product/${product.id}`, class: "product-link" },
        product.imageUrl ? element("img", { src: product.imageUrl, alt: "" }) : element("div", { class: "no-image" }),
        element("span", { class: "name", text: product.name })),
      element("span", { class: "price", text: money(product.price) }),
      element("span", { class: "stock", text: product.stock > 0 ? `${product.stock} in stock` : "Sold out" }),
      element("button", { type: "button", class: "add", disabled: product.stock < 1, text: "Add to cart", onclick: () => addToCart(product) })))),
    element("nav", { class: "pager" },
      cursor ? element("a", { href: pageLink(""), text: "First page" }) : null,
      page.nextCursor ? element("a", { href: pageLink(page.nextCursor), class: "next", text: "Next page" }) : null));
}

async function product(id) {
  const item = await api("GET", `/api/v1/products/${encodeURIComponent(id)}`);
  const quantity = element("input", { type: "number", min: "1", max: String(Math.max(1, item.stock)), value: "1", id: "quantity" });
  fill(main, element("article", { class: "product-page", "data-id": item.id },
    item.imageUrl ? element("img", { src: item.imageUrl, alt: item.name }) : element("div", { class: "no-image large" }),
    element("div", {},
      element("h2", { text: item.name }),
      element("p", { class: "price", text: money(item.price) }),
      element("p", { class: "description", text: item.description }),
      element("p", { class: "summary", text: `SKU ${item.sku} · ${item.stock > 0 ? `${item.stock} in stock` : "sold out"}` }),
      element("div", { class: "row" }, element("label", {}, "Quantity ", quantity),
        element("button", { type: "button", class: "add", disabled: item.stock < 1, text: "Add to cart",
          onclick: () => addToCart(item, Number(quantity.value)) })))));
}

async function addToCart(item, quantity = 1) {
  if (!currentUser()) return go(`#/login?next=${encodeURIComponent(location.hash)}`);
  try {
    const cart = await api("GET", "/api/v1/cart");
    const line = cart.items.find((l) => l.productId === item.id);
    const updated = await api("PUT", `/api/v1/cart/items/${item.id}`, { quantity: (line?.quantity || 0) + quantity });
    showCartCount(updated.itemCount);
    flash(`${item.name} is in your cart.`);
  } catch (error) { failed(error); }
}

function showCartCount(count) {
  $("cart-count").textContent = count ? String(count) : "";
}

// MARK: cart and checkout

async function cart() {
  if (needsSignIn()) return;
  const current = await api("GET", "/api/v1/cart");
  showCartCount(current.itemCount);
  if (!current.items.length) {
    fill(main, element("h2", { text: "Your cart" }), element("p", { class: "summary", text: "Your cart is empty." }));
    return;
  }
  const setQuantity = (line) => async (event) => {
    if (!event.target.validity.valid || event.target.value === "") return;  // half-typed: wait for a number
    try {
      await api("PUT", `/api/v1/cart/items/${line.productId}`, { quantity: Number(event.target.value) });
      render();
    } catch (error) { failed(error); }
  };
  const remove = (line) => async () => {
    try { await api("DELETE", `/api/v1/cart/items/${line.productId}`); render(); } catch (error) { failed(error); }
  };
  fill(main,
    element("h2", { text: "Your cart" }),
    table([
      ["Product", (line) => element("a", { href: `#/product/${line.productId}`, text: line.name })],
      ["Price", (line) => money(line.unitPrice)],
      ["Quantity", (line) => element("input", { type: "number", min: "0", max: String(line.available), value: String(line.quantity),
        class: "quantity", "aria-label": `Quantity of ${line.name}`, onchange: setQuantity(line) })],
      ["Total", (line) => money(line.lineTotal)],
      ["", (line) => element("button", { type: "button", class: "secondary remove", text: "Remove", onclick: remove(line) })],
    ], current.items, (line) => ({ "data-product": line.productId })),
    element("p", { class: "total" }, "Total ", element("strong", { id: "cart-total", text: money(current.total) })),
    form({ id: "checkout" }, [
      field("Payment", { type: "select", name: "paymentMethod", id: "payment", value: "onDelivery",
        options: [["onDelivery", "Pay on delivery"], ["wallet", "Pay from my wallet"]] }),
    ], "Place order", async (values) => {
      try {
        const order = await api("POST", "/api/v1/orders", { fromCart: true, paymentMethod: values.paymentMethod },
          { "Idempotency-Key": checkoutKey });
        checkoutKey = crypto.randomUUID();
        showCartCount(0);
        flash(`Order ${order.id.slice(0, 8)} placed; it is ${order.status}.`);
        go("#/orders");
      } catch (error) { failed(error); }
    }));
}

// MARK: orders

async function orders() {
  if (needsSignIn()) return;
  const page = await api("GET", "/api/v1/orders?limit=50");
  const cancel = (order) => async () => {
    try { await api("POST", `/api/v1/orders/${order.id}/cancel`); render(); } catch (error) { failed(error); }
  };
  fill(main,
    element("h2", { text: "Your orders" }),
    page.items.length ? table([
      ["Order", (order) => element("span", { class: "mono", text: order.id.slice(0, 8) })],
      ["Placed", (order) => when(order.createdAt)],
      ["Items", (order) => order.items.map((line) => `${line.quantity} × ${line.name}`).join(", ")],
      ["Total", (order) => money(order.total)],
      ["Payment", (order) => (order.paymentMethod === "wallet" ? "Wallet" : "On delivery")],
      ["Status", (order) => element("span", { class: `status ${order.status}`, "data-status": order.status,
        text: order.reason ? `${order.status}: ${order.reason}` : order.status })],
      ["", (order) => (["pending", "confirmed"].includes(order.status)
        ? element("button", { type: "button", class: "secondary", text: "Cancel", onclick: cancel(order) }) : "")],
    ], page.items, (order) => ({ "data-order": order.id, class: "order" }))
      : element("p", { class: "summary", text: "No orders yet." }));
}

// MARK: wallet and promotions

async function wallet() {
  if (needsSignIn()) return;
  const current = await api("GET", "/api/v1/wallet?limit=50");
  const kinds = { promotion: "Promotion", "order-debit": "Order paid", "order-refund": "Order refunded" };
  fill(main,
    element("h2", { text: "Wallet" }),
    element("p", { class: "balance" }, "Balance ", element("strong", { id: "balance", text: money(current.balance) })),
    current.entries.length ? table([
      ["When", (entry) => when(entry.createdAt)],
      ["What", (entry) => kinds[entry.kind] || entry.kind],
      ["Amount", (entry) => money(entry.amount)],
      ["Balance after", (entry) => money(entry.balanceAfter)],
    ], current.entries) : element("p", { class: "summary", text: "No entries yet." }));
}

async function promotions() {
  if (needsSignIn()) return;
  const page = await api("GET", "/api/v1/promotions?limit=50");
  const claim = (promotion) => async () => {
    try {
      const result = await api("POST", `/api/v1/promotions/${promotion.id}/claim`);
      flash(`Claimed: your balance is ${money(result.balance)}.`);
      render();
    } catch (error) { failed(error); }
  };
  fill(main,
    element("h2", { text: "Your promotions" }),
    page.items.length ? element("ul", { class: "cards" }, page.items.map((promotion) => element("li", { class: "card", "data-promotion": promotion.id },
      element("h3", { text: promotion.title }),
      element("p", { text: promotion.description }),
      element("p", { class: "price", text: money(promotion.amount) }),
      element("p", { class: "summary", text: promotion.endsAt ? `Until ${when(promotion.endsAt)}` : "" }),
      promotion.state === "available"
        ? element("button", { type: "button", class: "claim", text: "Claim", onclick: claim(promotion) })
        : element("span", { class: `status ${promotion.state}`, "data-state": promotion.state, text: promotion.state }))))
      : element("p", { class: "summary", text: "No promotions for you yet." }));
}

// MARK: inbox

function showUnread(count) {
  unread = count;
  $("unread").textContent = count ? String(count) : "";
}

async function inbox() {
  if (needsSignIn()) return;
  const page = await api("GET", "/api/v1/notifications?limit=50");
  showUnread(page.unreadCount);
  const read = (notification) => async () => {
    try { await api("POST", `/api/v1/notifications/${notification.id}/read`); render(); } catch (error) { failed(error); }
  };
  fill(main,
    element("div", { class: "row" }, element("h2", { text: "Inbox" }),
      element("button", { type: "button", class: "secondary", text: "Mark all read", disabled: !page.unreadCount,
        onclick: async () => {
          try { await api("POST", "/api/v1/notifications/read-all"); render(); } catch (error) { failed(error); }
        } })),
    page.items.length ? element("ul", { class: "inbox" }, page.items.map((notification) =>
      element("li", { class: notification.readAt ? "read" : "unread", "data-kind": notification.kind },
        element("strong", { text: notification.title }),
        element("p", { class: "body", text: notification.body }),
        element("time", { text: when(notification.createdAt) }),
        notification.readAt ? null : element("button", { type: "button", class: "secondary", text: "Mark read", onclick: read(notification) }))))
      : element("p", { class: "summary", text: "Nothing here yet." }));
}

// MARK: profile

async function profile() {
  if (needsSignIn()) return;
  const [me, preferences] = await Promise.all([api("GET", "/api/v1/users/me"), api("GET", "/api/v1/users/me/preferences")]);
  const address = me.address || {};
  fill(main,
    element("h2", { text: "Profile" }),
    element("p", { class: "summary", text: `${me.email} · ${me.role}` }),
    form({ id: "profile" }, [
      field("Name", { name: "name", value: me.name, required: true, maxlength: "200" }),
      field("Phone", { name: "phone", value: me.phone || "" }),
      field("Address", { name: "line1", value: address.line1 || "", placeholder: "Street and number" }),
      field("City", { name: "city", value: address.city || "" }),
      field("Postal code", { name: "postalCode", value: address.postalCode || "" }),
      field("Country", { name: "country", value: address.country || "", placeholder: "two letters, e.g. DE" }),
    ], "Save profile", async (values) => {
      const hasAddress = values.line1 || values.city || values.postalCode || values.country;
      try {
        await api("PATCH", "/api/v1/users/me", {
          name: values.name, phone: values.phone || null,
          address: hasAddress ? { line1: values.line1, city: values.city, postalCode: values.postalCode, country: values.country } : null,
        });
        flash("Profile saved.");
      } catch (error) { failed(error); }
    }),
    element("h3", { text: "Notifications" }),
    form({ id: "preferences" }, [
      ["orderUpdates", "Order updates"], ["promotions", "Promotions"], ["email", "Email"], ["realtime", "Live in the browser"],
    ].map(([name, label]) => element("label", { class: "check" },
      element("input", { type: "checkbox", name, value: "true", checked: preferences[name] }), ` ${label}`)),
    "Save preferences", async (values) => {
      try {
        await api("PUT", "/api/v1/users/me/preferences", Object.fromEntries(
          ["orderUpdates", "promotions", "email", "realtime"].map((name) => [name, values[name] === "true"])));
        flash("Preferences saved.");
      } catch (error) { failed(error); }
    }));
}

// MARK: signing in, registering, resetting a password

// The admin console's page is served only to an admin (the server reads the console cookie set
// at sign-in); anyone else is sent here, and told why instead of being sent back.
function afterSignIn(params) {
  const next = params.get("next") || "#/";
  if (next !== "/admin") return go(next.startsWith("#") ? next : "#/");
  if (currentUser()?.role === "admin") {
    location.href = "/admin";
    return;
  }
  flash("Admins only: this account is not an admin.", "error");
  go("#/");
}

function signIn(params) {
  if (currentUser() && params.get("next") === "/admin") return afterSignIn(params);
  fill(main, element("section", { class: "panel narrow" },
    element("h2", { text: "Sign in" }),
    form({ id: "login" }, [
      field("Email", { name: "email", type: "email", required: true, autocomplete: "username" }),
      field("Password", { name: "password", type: "password", required: true, autocomplete: "current-password" }),
    ], "Sign in", async (values) => {
      try { await login(values.email, values.password); flash(""); afterSignIn(params); } catch (error) { failed(error); }
    }),
    element("p", {}, element("a", { href: "#/register", text: "Create an account" }), " · ",
      element("a", { href: "#/forgot", text: "Forgot your password?" }))));
}

function signUp(params) {
  fill(main, element("section", { class: "panel narrow" },
    element("h2", { text: "Create an account" }),
    form({ id: "register" }, [
      field("Name", { name: "name", required: true, maxlength: "200" }),
      field("Email", { name: "email", type: "email", required: true, autocomplete: "username" }),
      field("Password", { name: "password", type: "password", required: true, minlength: "8", autocomplete: "new-password" }),
    ], "Create account", async (values) => {
      try { await register(values.name, values.email, values.password); flash("Welcome!"); afterSignIn(params); } catch (error) { failed(error); }
    })));
}

function forgot() {
  fill(main, element("section", { class: "panel narrow" },
    element("h2", { text: "Reset your password" }),
    form({ id: "forgot" }, [field("Email", { name: "email", type: "email", required: true })], "Mail me a link", async (values) => {
      try {
        await api("POST", "/api/v1/auth/password-reset", { email: values.email });
        flash("If an account has this address, a link to reset its password is on its way.");
      } catch (error) { failed(error); }
    })));
}

function resetPassword(token) {
  fill(main, element("section", { class: "panel narrow" },
    element("h2", { text: "Choose a new password" }),
    form({ id: "reset" }, [
      field("New password", { name: "newPassword", type: "password", required: true, minlength: "8", autocomplete: "new-password" }),
    ], "Set password", async (values) => {
      try {
        await api("POST", "/api/v1/auth/password-reset/confirm", { token, newPassword: values.newPassword });
        history.replaceState(null, "", "/#/login");
        flash("Your password is changed; sign in with it.");
        render();
      } catch (error) { failed(error); }
    })));
}

// MARK: the frame around the views

const views = { "": shop, product: (params, id) => product(id), cart, orders, wallet, promotions, inbox, profile,
  login: signIn, register: signUp, forgot };

async function render() {
  if (location.pathname === "/reset-password") {
    resetPassword(new URLSearchParams(location.search).get("token") || "");
    document.body.dataset.view = "reset";
    return;
  }
  const { parts, params } = route();
  const view = views[parts[0] || ""] || shop;
  for (const link of document.querySelectorAll("header nav a")) {
    link.classList.toggle("current", link.getAttribute("href") === `#/${parts[0] || ""}`);
  }
  main.setAttribute("aria-busy", "true");
  try {
    await view(params, parts[1]);
  } catch (error) {
    failed(error);
  } finally {
    main.removeAttribute("aria-busy");
    document.body.dataset.view = parts[0] || "shop";
  }
}

function drawHeader(user) {
  document.body.dataset.signedIn = user ? "true" : "false";
  fill($("account"), user
    ? [element("a", { href: "#/profile", id: "who", text: user.name }),
      user.role === "admin" ? element("a", { href: "/admin", text: "Admin" }) : null,
      element("button", { type: "button", class: "secondary", id: "sign-out", text: "Sign out",
        onclick: async () => { await logout(); flash("Signed out."); go("#/"); } })]
    : [element("a", { href: "#/login", id: "sign-in", text: "Sign in" }), element("a", { href: "#/register", text: "Register" })]);
}

onChange(async (user, changed) => {
  drawHeader(user);
  if (!user) { showUnread(0); showCartCount(0); return; }
  if (!changed) return;
  try {
    const [page, current] = await Promise.all([api("GET", "/api/v1/notifications?unread=true&limit=1"), api("GET", "/api/v1/cart")]);
    showUnread(page.unreadCount);
    showCartCount(current.itemCount);
  } catch { /* the header's figures wait for the next change */ }
});

onNotification((notification) => {
  showUnread(unread + 1);
  const view = route().parts[0];
  if ((notification.kind === "order.status" && view === "orders") || (notification.kind.startsWith("promotion") && view === "promotions")
    || (notification.kind.startsWith("wallet") && view === "wallet") || view === "inbox") render();
  if (notification.kind === "order.status") flash(notification.body);
});

$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const q = $("search").value.trim();
  go(q ? `#/?q=${encodeURIComponent(q)}` : "#/");
});
window.addEventListener("hashchange", render);
drawHeader(null);
refresh().catch(() => false).finally(() => {
  render();
  document.body.dataset.ready = "true";
});
