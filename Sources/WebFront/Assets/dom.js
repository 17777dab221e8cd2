// What Bazaar's page scripts share: building elements whose text goes in as text, never as markup
// (so a product named <script> shows as those characters), and the few formats every page uses.

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

// Replaces a node's children.
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

// Money as the API writes it (minor units and an ISO currency), for people.
export function money(value) {
  if (!value) return "";
  const digits = { JPY: 0, KRW: 0 }[value.currency] ?? 2;
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: value.currency }).format(value.amount / 10 ** digits);
  } catch {
    return `${(value.amount / 10 ** digits).toFixed(digits)} ${value.currency}`;
  }
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

// A table with one row per item; each column names a heading and how to show a cell.
export function table(columns, items, rowAttributes = () => ({})) {
  return element("table", {},
    element("thead", {}, element("tr", {}, columns.map(([heading]) => element("th", { text: heading })))),
    element("tbody", {}, items.map((item) => element("tr", rowAttributes(item),
      columns.map(([, cell]) => {
        const shown = cell(item);
        return element("td", {}, shown instanceof Node ? shown : String(shown ?? ""));
      })))));
}

// A form whose submit handler gets its fields as an object; the button is off while it runs, so
// a double click sends once.
export function form(attributes, fields, label, onSubmit) {
  const button = element("button", { type: "submit", text: label });
  const node = element("form", { class: "panel-form", ...attributes }, fields, element("div", {}, button));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    try {
      await onSubmit(Object.fromEntries(new FormData(node).entries()), node);
    } finally {
      button.disabled = false;
    }
  });
  return node;
}

export function field(label, attributes) {
  const input = attributes.type === "textarea"
    ? element("textarea", { ...attributes, type: undefined })
    : attributes.type === "select"
      ? element("select", { name: attributes.name, id: attributes.id },
        attributes.options.map(([value, text]) => element("option", { value, text, selected: value === attributes.value })))
      : element("input", attributes);
  return element("label", {}, label, input);
}

// A message above the view: what an action did, or why the server refused it.
export function flash(text, kind = "info") {
  fill(document.getElementById("flash"),
    text ? element("div", { class: `flash ${kind}`, role: kind === "error" ? "alert" : "status", text }) : null);
}

// A refusal as the server explained it (an APIError names the invalid fields), else the error's message.
export function failed(error) {
  flash(error.explanation || String(error.message || error), "error");
}
