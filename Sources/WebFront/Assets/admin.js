// The admin console: an overview with live figures, and a view per part of the shop an admin
// runs. Everything it shows comes from the admin API, which the server refuses to anyone but an
// admin; a customer who opens this page sees the refusal, not the data.

import { element, failed, field, fill, flash, form, money, table, when } from "./dom.js";
import { APIError, api, currentUser, logout, onChange, refresh, upload } from "./session.js";

const $ = (id) => document.getElementById(id);
const main = $("view");
let overviewTimer = null;

// Runs an admin action, then shows the view again (or the refusal).
function action(run, done) {
  return async (...args) => {
    try {
      await run(...args);
      if (done) flash(done);
      await render();
    } catch (error) { failed(error); }
  };
}

async function userIdsFor(emails) {
  const ids = [];
  for (const email of emails.split(/[\s,]+/).filter(Boolean)) {
    const page = await api("GET", `/api/v1/admin/users?email=${encodeURIComponent(email)}&limit=1`);
    if (!page.items.length) throw new Error(`No user has the address ${email}.`);
    ids.push(page.items[0].id);
  }
  return ids;
}

// A one-field form that shows a view again, filtered (the filter goes in the address, so it is kept on reload).
function filterForm(view, name, label, value) {
  return form({ id: `${view}-search` }, [field(label, { name, value })], "Find", async (values) => {
    location.hash = values[name] ? `#/${view}?${name}=${encodeURIComponent(values[name])}` : `#/${view}`;
  });
}

function moneyFrom(values) {
  return { amount: Math.round(Number(values.amount) * 100), currency: values.currency || "USD" };
}

// MARK: overview

function parseMetrics(text) {
  const samples = [];
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? ([0-9.eE+-]+|NaN)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] || "").matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

function barChart(bars) {
  const ns = "http://www.w3.org/2000/svg";
  const width = 520, barHeight = 22, gap = 8, labelWidth = 90;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${bars.length * (barHeight + gap)}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", bars.map((bar) => `${bar.label} ${bar.value}`).join(", "));
  bars.forEach((bar, index) => {
    const y = index * (barHeight + gap);
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", "0"); label.setAttribute("y", String(y + 16));
    label.textContent = bar.label;
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("x", String(labelWidth)); rect.setAttribute("y", String(y));
    rect.setAttribute("height", String(barHeight));
    rect.setAttribute("width", String(Math.max(2, ((width - labelWidth - 60) * bar.value) / max)));
    rect.setAttribute("class", `bar ${bar.label}`);
    const value = document.createElementNS(ns, "text");
    value.setAttribute("x", String(labelWidth + 6 + ((width - labelWidth - 60) * bar.value) / max)); value.setAttribute("y", String(y + 16));
    value.textContent = String(bar.value);
    value.setAttribute("data-status", bar.label);
    svg.append(label, rect, value);
  });
  return svg;
}

async function overview() {
  // The admin API is asked first, so a non-admin sees the refusal rather than the figures.
  await api("GET", "/api/v1/admin/orders?limit=1");
  const draw = async () => {
    const response = await fetch("/metrics");
    const samples = parseMetrics(await response.text());
    const orders = ["pending", "confirmed", "shipped", "delivered", "rejected", "cancelled"].map((status) => ({
      label: status, value: samples.find((s) => s.name === "bazaar_orders" && s.labels.status === status)?.value ?? 0,
    }));
    const lags = samples.filter((s) => s.name === "bazaar_event_consumer_lag_events");
    const deadLetters = samples.find((s) => s.name === "bazaar_dead_letters")?.value ?? 0;
    fill(main,
      element("h2", { text: "Overview" }),
      element("div", { class: "figures" },
        element("section", { class: "panel" }, element("h3", { text: "Orders by status" }), barChart(orders)),
        element("section", { class: "panel" }, element("h3", { text: "Dead letters" }),
          element("p", { class: "figure", id: "dead-letters", text: String(deadLetters) }),
          element("a", { href: "#/dead-letters", text: "Inspect" })),
        element("section", { class: "panel" }, element("h3", { text: "Consumer lag (events)" }),
          table([["Consumer", (s) => s.labels.consumer], ["Behind", (s) => s.value]], lags))),
      element("p", { class: "summary", text: `Updated ${new Date().toLocaleTimeString()} from /metrics, every 3 seconds.` }));
  };
  await draw();
  overviewTimer = setInterval(() => draw().catch(failed), 3000);
}

// MARK: products

async function products(params) {
  const cursor = params.get("cursor") || "";
  const page = await api("GET", `/api/v1/products?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
  const edit = (product) => element("details", {},
    element("summary", { text: "Edit" }),
    form({ class: "edit-product" }, [
      field("Name", { name: "name", value: product.name, required: true }),
      field("Description", { name: "description", type: "textarea", text: product.description }),
      field("Price", { name: "amount", type: "number", step: "0.01", min: "0", value: String(product.price.amount / 100) }),
      field("SKU", { name: "sku", value: product.sku, required: true }),
    ], "Save", action((values) => api("PATCH", `/api/v1/products/${product.id}`, {
      name: values.name, description: values.description, sku: values.sku,
      price: { amount: Math.round(Number(values.amount) * 100), currency: product.price.currency },
    }), "Product saved.")),
    form({ class: "stock-form" }, [field("Stock", { name: "stock", type: "number", min: "0", value: String(product.stock) })], "Set stock",
      action((values) => api("PUT", `/api/v1/products/${product.id}/stock`, { stock: Number(values.stock) }), "Stock set.")),
    form({ class: "image-form" }, [field("Image (PNG, JPEG or WebP)", { name: "image", type: "file", accept: "image/png,image/jpeg,image/webp" })],
      "Upload image", action((values) => upload(`/api/v1/products/${product.id}/image`, values.image), "Image uploaded.")),
    element("button", { type: "button", class: "danger", text: "Delete product",
      onclick: action(() => api("DELETE", `/api/v1/products/${product.id}`), "Product deleted.") }));
  fill(main,
    element("h2", { text: "Products" }),
    element("details", { class: "panel", open: !page.items.length },
      element("summary", { text: "New product" }),
      form({ id: "new-product" }, [
        field("Name", { name: "name", required: true, maxlength: "200" }),
        field("Description", { name: "description", type: "textarea" }),
        field("Price", { name: "amount", type: "number", step: "0.01", min: "0", required: true }),
        field("Currency", { name: "currency", value: "USD", maxlength: "3" }),
        field("SKU", { name: "sku", required: true }),
        field("Stock", { name: "stock", type: "number", min: "0", value: "0" }),
        field("Image", { name: "image", type: "file", accept: "image/png,image/jpeg,image/webp" }),
      ], "Create product", action(async (values) => {
        const created = await api("POST", "/api/v1/products", {
          name: values.name, description: values.description || "", price: moneyFrom(values), sku: values.sku, stock: Number(values.stock || 0),
        });
        if (values.image && values.image.size) await upload(`/api/v1/products/${created.id}/image`, values.image);
      }, "Product created."))),
    table([
      ["", (p) => (p.imageUrl ? element("img", { src: p.imageUrl, alt: "", class: "thumb" }) : "")],
      ["Name", (p) => p.name], ["SKU", (p) => p.sku], ["Price", (p) => money(p.price)], ["Stock", (p) => p.stock], ["", edit],
    ], page.items, (p) => ({ "data-product": p.id })),
    page.nextCursor ? element("a", { href: `#/products?cursor=${encodeURIComponent(page.nextCursor)}`, text: "Next page" }) : null);
}

// MARK: orders

const nextStatuses = { pending: ["cancelled"], confirmed: ["shipped", "cancelled"], shipped: ["delivered"] };

async function orders(params) {
  const status = params.get("status") || "";
  const page = await api("GET", `/api/v1/admin/orders?limit=50${status ? `&status=${status}` : ""}`);
  const filter = element("select", { id: "status-filter", "aria-label": "Status",
    onchange: (event) => { location.hash = event.target.value ? `#/orders?status=${event.target.value}` : "#/orders"; } },
  ["", "pending", "confirmed", "shipped", "delivered", "rejected", "cancelled"].map((value) =>
    element("option", { value, text: value || "every status", selected: value === status })));
  const move = (order) => {
    const targets = nextStatuses[order.status] || [];
    if (!targets.length) return "";
    const select = element("select", { "aria-label": "New status" }, targets.map((value) => element("option", { value, text: value })));
    return element("span", { class: "row" }, select, element("button", { type: "button", class: "move", text: "Move",
      onclick: action(() => api("PUT", `/api/v1/admin/orders/${order.id}/status`, { status: select.value }), "Order moved.") }));
  };
  fill(main,
    element("div", { class: "row" }, element("h2", { text: "Orders" }), filter),
    table([
      ["Order", (o) => element("span", { class: "mono", text: o.id.slice(0, 8) })], ["Customer", (o) => element("span", { class: "mono", text: o.userId.slice(0, 8) })],
      ["Placed", (o) => when(o.createdAt)], ["Items", (o) => o.items.map((l) => `${l.quantity} × ${l.name}`).join(", ")],
      ["Total", (o) => money(o.total)], ["Status", (o) => element("span", { class: `status ${o.status}`, "data-status": o.status, text: o.status })],
      ["", move],
    ], page.items, (o) => ({ "data-order": o.id })));
}

// MARK: users

async function users(params) {
  const email = params.get("email") || "";
  const page = await api("GET", `/api/v1/admin/users?limit=50${email ? `&email=${encodeURIComponent(email)}` : ""}`);
  const setRole = (user, role) => action(() => api("PUT", `/api/v1/admin/users/${user.id}/role`, { role }), `${user.email} is now ${role}.`);
  fill(main,
    element("h2", { text: "Users" }),
    filterForm("users", "email", "Email", email),
    table([
      ["Email", (u) => u.email], ["Name", (u) => u.name], ["Role", (u) => u.role], ["Since", (u) => when(u.createdAt)],
      ["", (u) => element("button", { type: "button", class: "secondary", text: u.role === "admin" ? "Make customer" : "Promote to admin",
        onclick: setRole(u, u.role === "admin" ? "user" : "admin") })],
    ], page.items, (u) => ({ "data-user": u.email })));
}

// MARK: promotions

async function promotions() {
  const page = await api("GET", "/api/v1/admin/promotions?limit=50");
  fill(main,
    element("h2", { text: "Promotions" }),
    element("details", { class: "panel" }, element("summary", { text: "New promotion" }),
      form({ id: "new-promotion" }, [
        field("Title", { name: "title", required: true }), field("Description", { name: "description", type: "textarea" }),
        field("Amount", { name: "amount", type: "number", step: "0.01", min: "0.01", required: true }),
        field("Currency", { name: "currency", value: "USD", maxlength: "3" }),
        field("Ends (optional)", { name: "endsAt", type: "datetime-local" }),
      ], "Create promotion", action((values) => api("POST", "/api/v1/admin/promotions", {
        title: values.title, description: values.description || "", amount: moneyFrom(values),
        ...(values.endsAt ? { endsAt: new Date(values.endsAt).toISOString() } : {}),
      }), "Promotion created."))),
    table([
      ["Title", (p) => p.title], ["Amount", (p) => money(p.amount)], ["Ends", (p) => when(p.endsAt)],
      ["Assign to", (p) => form({ class: "assign" }, [field("Emails", { name: "emails", required: true, placeholder: "a@example.com, b@example.com" })],
        "Assign", action(async (values) => {
          const result = await api("POST", `/api/v1/admin/promotions/${p.id}/assignments`, { userIds: await userIdsFor(values.emails) });
          flash(`Assigned to ${result.assigned}.`);
        }))],
    ], page.items, (p) => ({ "data-promotion": p.title })));
}

// MARK: notifications and campaigns

async function notifications() {
  const page = await api("GET", "/api/v1/admin/campaigns?limit=50");
  fill(main,
    element("h2", { text: "Notifications" }),
    element("section", { class: "panel" }, element("h3", { text: "Send to a user" }),
      form({ id: "send-notification" }, [
        field("Email", { name: "email", type: "email", required: true }), field("Title", { name: "title", required: true }),
        field("Message", { name: "body", type: "textarea", required: true }),
      ], "Send", action(async (values) => {
        const [userId] = await userIdsFor(values.email);
        await api("POST", "/api/v1/admin/notifications", { userId, title: values.title, body: values.body });
      }, "Sent."))),
    element("h3", { text: "Campaigns" }),
    element("details", { class: "panel" }, element("summary", { text: "New campaign" }),
      form({ id: "new-campaign" }, [
        field("Name", { name: "name", required: true }), field("Schedule (cron, UTC)", { name: "schedule", required: true, placeholder: "0 9 * * 1" }),
        field("Title", { name: "title", required: true }), field("Message", { name: "body", type: "textarea", required: true }),
      ], "Create campaign", action((values) => api("POST", "/api/v1/admin/campaigns", { ...values, preference: "promotions" }), "Campaign created."))),
    table([
      ["Name", (c) => c.name], ["Schedule", (c) => element("code", { text: c.schedule })], ["Title", (c) => c.title],
      ["", (c) => element("button", { type: "button", class: "danger", text: "Delete",
        onclick: action(() => api("DELETE", `/api/v1/admin/campaigns/${c.id}`), "Campaign deleted.") })],
    ], page.items));
}

// MARK: operations: dead letters, mail, audit, API keys

async function deadLetters() {
  const page = await api("GET", "/api/v1/admin/dead-letters?limit=100");
  fill(main,
    element("h2", { text: "Dead letters" }),
    page.items.length ? table([
      ["Failed", (d) => when(d.failedAt)], ["Consumer", (d) => d.consumer], ["Event", (d) => d.eventType], ["Attempts", (d) => d.attempts],
      ["Error", (d) => element("details", {}, element("summary", { text: d.error.slice(0, 60) }), element("pre", { class: "result", text: d.payload }))],
      ["", (d) => element("button", { type: "button", class: "replay", text: "Replay",
        onclick: action(() => api("POST", `/api/v1/admin/dead-letters/${d.id}/replay`), "Replayed.") })],
    ], page.items, (d) => ({ "data-dead-letter": String(d.id) })) : element("p", { class: "summary", text: "No dead letters." }));
}

async function mail(params) {
  const to = params.get("to") || "";
  const page = await api("GET", `/api/v1/admin/mail?limit=50${to ? `&to=${encodeURIComponent(to)}` : ""}`);
  fill(main,
    element("h2", { text: "Mail log" }),
    filterForm("mail", "to", "To", to),
    table([
      ["Sent", (m) => when(m.sentAt)], ["To", (m) => m.to],
      ["Subject", (m) => element("details", {}, element("summary", { text: m.subject }), element("pre", { class: "result", text: m.body }))],
    ], page.items));
}

async function audit(params) {
  const filter = params.get("action") || "";
  const page = await api("GET", `/api/v1/admin/audit?limit=100${filter ? `&action=${encodeURIComponent(filter)}` : ""}`);
  fill(main,
    element("h2", { text: "Audit log" }),
    filterForm("audit", "action", "Action (a trailing * matches a prefix)", filter),
    table([
      ["When", (e) => when(e.at)], ["Action", (e) => e.action], ["Target", (e) => e.target ?? ""], ["Outcome", (e) => e.outcome],
      ["Actor", (e) => (e.actorId ? e.actorId.slice(0, 8) : "")], ["Address", (e) => e.clientAddress ?? ""],
    ], page.items));
}

async function apiKeys() {
  const page = await api("GET", "/api/v1/admin/api-keys");
  fill(main,
    element("h2", { text: "API keys" }),
    element("section", { class: "panel" },
      form({ id: "new-api-key" }, [
        field("Name", { name: "name", required: true }),
        field("Scope", { name: "scope", type: "select", value: "read", options: [["read", "read (GET only)"], ["admin", "admin (everything)"]] }),
      ], "Create key", async (values) => {
        try {
          const created = await api("POST", "/api/v1/admin/api-keys", values);
          await render();
          // The only time the key is shown: the server keeps its hash.
          main.prepend(element("div", { class: "flash info", role: "status" },
            "Copy this key now; it will not be shown again: ", element("code", { id: "new-key", text: created.key })));
        } catch (error) { failed(error); }
      })),
    table([
      ["Name", (k) => k.name], ["Scope", (k) => k.scope], ["Created", (k) => when(k.createdAt)],
      ["", (k) => (k.revokedAt ? `revoked ${when(k.revokedAt)}` : element("button", { type: "button", class: "danger", text: "Revoke",
        onclick: action(() => api("DELETE", `/api/v1/admin/api-keys/${k.id}`), "Key revoked.") }))],
    ], page.items, (k) => ({ "data-key": k.name })));
}

// MARK: the frame

const views = { "": overview, products, orders, users, promotions, notifications, "dead-letters": deadLetters, mail, audit, "api-keys": apiKeys };

async function render() {
  clearInterval(overviewTimer);
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  const name = path.split("/").filter(Boolean)[0] || "";
  for (const link of document.querySelectorAll("nav.side a")) link.classList.toggle("current", link.getAttribute("href") === `#/${name}`);
  if (!currentUser()) {
    fill(main, element("section", { class: "panel", id: "denied" }, element("h2", { text: "Sign in as an admin" }),
      element("a", { href: "/#/login?next=/admin", text: "Sign in" })));
    return;
  }
  try {
    await (views[name] || overview)(new URLSearchParams(query));
  } catch (error) {
    if (error instanceof APIError && error.status === 403) {
      fill(main, element("section", { class: "panel", id: "denied" }, element("h2", { text: "Admins only" }),
        element("p", { text: "The server refused: this account is not an admin." })));
    } else failed(error);
  } finally {
    document.body.dataset.view = name || "overview";
  }
}

onChange((user) => {
  fill($("account"), user
    ? [element("span", { id: "who", text: user.email }), element("a", { href: "/", text: "Storefront" }),
      element("button", { type: "button", class: "secondary", text: "Sign out", onclick: async () => { await logout(); render(); } })]
    : [element("a", { href: "/#/login?next=/admin", text: "Sign in" })]);
});

window.addEventListener("hashchange", () => { flash(""); render(); });
refresh().catch(() => false).finally(async () => {
  await render();
  document.body.dataset.ready = "true";
});
