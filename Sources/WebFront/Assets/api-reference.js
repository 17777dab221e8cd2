// The API reference: renders /api-docs/v1/openapi.json (operations by tag, parameters, bodies,
// responses) and sends an operation from the page ("Try it"). Every text from the document goes
// into the page through textContent, never as markup.

import { element } from "/assets/dom.js";

const documentURL = "/api-docs/v1/openapi.json";
const methods = ["get", "post", "put", "patch", "delete"];

function resolve(spec, schema) {
  let seen = 0;
  while (schema && schema.$ref && seen++ < 20) {
    schema = schema.$ref.replace(/^#\//, "").split("/").reduce((node, key) => node?.[key], spec);
  }
  return schema ?? {};
}

function typeName(spec, schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.oneOf) return schema.oneOf.map((s) => typeName(spec, s)).join(" | ");
  if (schema.type === "array") return `[${typeName(spec, schema.items)}]`;
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type ?? "any";
  return schema.enum ? `${type}: ${schema.enum.join(", ")}` : type;
}

// A schema as a nested list of its properties, a few levels deep.
function schemaTree(spec, schema, depth = 0) {
  const resolved = resolve(spec, schema);
  const target = resolved.type === "array" ? resolve(spec, resolved.items) : resolved;
  const list = element("ul", { class: "schema" });
  const required = new Set(target.required ?? []);
  for (const [name, property] of Object.entries(target.properties ?? {})) {
    const item = element("li", {}, element("code", { text: name }), " ",
      element("span", { class: "type", text: typeName(spec, property) }));
    if (required.has(name)) item.append(" ", element("span", { class: "required", text: "required" }));
    const detail = resolve(spec, property);
    if (detail.description) item.append(" — ", detail.description);
    const nested = detail.type === "array" ? resolve(spec, detail.items) : detail;
    if (depth < 3 && nested.properties) item.append(schemaTree(spec, nested, depth + 1));
    list.append(item);
  }
  return list;
}

// A JSON body to start from: every required property with a value of its type.
function example(spec, schema, depth = 0) {
  const resolved = resolve(spec, schema);
  if (resolved.example !== undefined) return resolved.example;
  if (resolved.enum) return resolved.enum[0];
  if (resolved.oneOf) return example(spec, resolved.oneOf[0], depth);
  const type = Array.isArray(resolved.type) ? resolved.type.find((t) => t !== "null") : resolved.type;
  switch (type) {
    case "object": {
      const value = {};
      const required = new Set(resolved.required ?? Object.keys(resolved.properties ?? {}));
      for (const [name, property] of Object.entries(resolved.properties ?? {})) {
        if (required.has(name) && depth < 4) value[name] = example(spec, property, depth + 1);
      }
      return value;
    }
    case "array": return depth < 4 ? [example(spec, resolved.items, depth + 1)] : [];
    case "integer": case "number": return resolved.minimum ?? 1;
    case "boolean": return false;
    case "string": return resolved.format === "email" ? "someone@example.com" : "";
    default: return null;
  }
}

function accessLabel(operation) {
  if (!operation.security) return "open";
  return operation.security.some((s) => "apiKey" in s) ? "admin" : "signed in";
}

function tryIt(spec, path, method, operation, tokenInput) {
  const form = element("form", { class: "try" });
  const inputs = [];
  for (const parameter of operation.parameters ?? []) {
    const input = element("input", { name: parameter.name, placeholder: typeName(spec, parameter.schema) });
    if (parameter.name === "Idempotency-Key") input.value = crypto.randomUUID();
    inputs.push([parameter, input]);
    form.append(element("label", { text: `${parameter.name} (${parameter.in}${parameter.required ? ", required" : ""})` }, input));
  }
  const bodySchema = operation.requestBody?.content?.["application/json"]?.schema;
  let body;
  if (bodySchema) {
    body = element("textarea", { name: "body", spellcheck: "false" });
    body.value = JSON.stringify(example(spec, bodySchema), null, 2);
    form.append(element("label", { text: "JSON body" }, body));
  }
  const result = element("pre", { class: "result", hidden: "" });
  form.append(element("div", {}, element("button", { type: "submit", text: "Send" })), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let url = path;
    const query = new URLSearchParams();
    const headers = {};
    for (const [parameter, input] of inputs) {
      if (!input.value) continue;
      if (parameter.in === "path") url = url.replace(`{${parameter.name}}`, encodeURIComponent(input.value));
      else if (parameter.in === "query") query.set(parameter.name, input.value);
      else if (parameter.in === "header") headers[parameter.name] = input.value;
    }
    if (query.size) url += `?${query}`;
    const token = tokenInput.value.trim();
    if (token) {
      if (token.split(".").length === 3) headers.Authorization = `Bearer ${token.replace(/^Bearer\s+/i, "")}`;
      else headers["X-API-Key"] = token;
    }
    if (body) headers["Content-Type"] = "application/json";
    result.hidden = false;
    result.textContent = `${method.toUpperCase()} ${url} …`;
    try {
      const response = await fetch(url, { method: method.toUpperCase(), headers, body: body ? body.value : undefined });
      const text = await response.text();
      let shown = text;
      try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: shown as it came */ }
      result.textContent = `${response.status} ${response.statusText}\n${response.headers.get("content-type") ?? ""}\n\n${shown}`;
      result.className = `result ${response.ok ? "status-ok" : "status-error"}`;
    } catch (error) {
      result.textContent = `The request failed: ${error}`;
    }
  });
  return element("details", { class: "try-it" }, element("summary", { text: "Try it" }), form);
}

function operationSection(spec, path, method, operation, tokenInput) {
  const id = operation.operationId ?? `${method}${path}`;
  const section = element("section", { class: "operation", id, "data-search": `${method} ${path} ${operation.summary ?? ""}`.toLowerCase() });
  section.append(element("h3", {},
    element("span", { class: `method ${method}`, text: method }),
    element("code", { text: path }),
    element("span", { class: "access", text: accessLabel(operation) })));
  if (operation.summary) section.append(element("p", { class: "summary", text: operation.summary }));
  if (operation.parameters?.length) {
    const table = element("table", {}, element("tr", {}, ...["Parameter", "In", "Type", ""].map((h) => element("th", { text: h }))));
    for (const parameter of operation.parameters) {
      table.append(element("tr", {},
        element("td", {}, element("code", { text: parameter.name })),
        element("td", { text: parameter.in }),
        element("td", { text: typeName(spec, parameter.schema) }),
        element("td", { text: [parameter.required ? "required" : "", parameter.schema?.description ?? ""].filter(Boolean).join("; ") })));
    }
    section.append(table);
  }
  const bodySchema = operation.requestBody?.content?.["application/json"]?.schema;
  if (bodySchema) {
    section.append(element("details", { open: "" }, element("summary", { text: `Request body: ${typeName(spec, bodySchema)}` }), schemaTree(spec, bodySchema)));
  }
  const responses = element("table", {}, element("tr", {}, ...["Status", "Meaning", "Body"].map((h) => element("th", { text: h }))));
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    const content = response.content ?? {};
    const [type, media] = Object.entries(content)[0] ?? [];
    const cell = element("td", { text: media?.schema ? `${typeName(spec, media.schema)} (${type})` : type ?? "" });
    if (media?.schema && resolve(spec, media.schema).properties && status.startsWith("2")) {
      cell.textContent = "";
      cell.append(element("details", {}, element("summary", { text: typeName(spec, media.schema) }), schemaTree(spec, media.schema)));
    }
    responses.append(element("tr", {}, element("td", { text: status }), element("td", { text: response.description ?? "" }), cell));
  }
  section.append(responses, tryIt(spec, path, method, operation, tokenInput));
  return section;
}

async function main() {
  const tokenInput = document.getElementById("token");
  const main = document.getElementById("operations");
  const nav = document.getElementById("nav");
  const response = await fetch(documentURL);
  if (!response.ok) {
    document.getElementById("loading").textContent = `The OpenAPI document could not be read (${response.status}).`;
    return;
  }
  const spec = await response.json();
  const byTag = new Map();
  for (const [path, item] of Object.entries(spec.paths ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    for (const method of methods) {
      const operation = item[method];
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? "Other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push([path, method, operation]);
    }
  }
  main.textContent = "";
  main.append(element("p", { class: "summary", text: `${spec.info?.title ?? "API"} ${spec.info?.version ?? ""} — ${spec.info?.description ?? ""}` }));
  for (const [tag, operations] of [...byTag.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    nav.append(element("h2", { text: tag }));
    main.append(element("h2", { text: tag, id: `tag-${tag}` }));
    for (const [path, method, operation] of operations) {
      const section = operationSection(spec, path, method, operation, tokenInput);
      main.append(section);
      nav.append(element("a", { href: `#${section.id}`, "data-search": section.dataset.search, text: `${method.toUpperCase()} ${path}` }));
    }
  }
  document.getElementById("filter").addEventListener("input", (event) => {
    const words = event.target.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const node of document.querySelectorAll("[data-search]")) {
      node.hidden = !words.every((word) => node.dataset.search.includes(word));
    }
  });
  document.body.dataset.ready = String(document.querySelectorAll("section.operation").length);
}

main();
