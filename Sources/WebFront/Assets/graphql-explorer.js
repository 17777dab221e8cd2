// The GraphQL explorer: a query and its variables, run against /graphql with the token given,
// and the schema (from introspection) to browse; a root field clicked writes a query for it.

import { element } from "/assets/dom.js";

const endpoint = "/graphql";
const starter = `# Products, newest first; add a token above for your own orders, cart and wallet.
{
  products(first: 5) {
    nodes { id name price { amount currency } stock }
  }
}
`;
const introspection = `query Schema {
  __schema {
    queryType { name } mutationType { name }
    types { kind name description
      fields { name description args { name type { ...Ref } } type { ...Ref } }
      inputFields { name type { ...Ref } }
      enumValues { name }
    }
  }
}
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`;

const $ = (id) => document.getElementById(id);

function typeText(type) {
  if (!type) return "";
  if (type.kind === "NON_NULL") return `${typeText(type.ofType)}!`;
  if (type.kind === "LIST") return `[${typeText(type.ofType)}]`;
  return type.name;
}

function namedType(type) {
  while (type?.ofType) type = type.ofType;
  return type?.name;
}

async function send(query, variables) {
  const headers = { "Content-Type": "application/json" };
  const token = $("token").value.trim().replace(/^Bearer\s+/i, "");
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(endpoint, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  return { status: response.status, body: await response.json().catch(() => null) };
}

async function run() {
  let variables = {};
  const text = $("variables").value.trim();
  if (text) {
    try { variables = JSON.parse(text); } catch (error) { $("status").textContent = `Variables are not JSON: ${error.message}`; return; }
  }
  $("status").textContent = "Running…";
  const started = performance.now();
  try {
    const { status, body } = await send($("query").value, variables);
    $("status").textContent = `HTTP ${status} in ${Math.round(performance.now() - started)} ms${body?.errors ? `, ${body.errors.length} error(s)` : ""}`;
    $("result").textContent = JSON.stringify(body, null, 2);
  } catch (error) {
    $("status").textContent = `The request failed: ${error}`;
  }
}

// A query for a root field: its required arguments as variables, scalar fields of its result.
function skeleton(operation, field, types) {
  const required = (field.args ?? []).filter((arg) => arg.type.kind === "NON_NULL");
  const declared = required.map((arg) => `$${arg.name}: ${typeText(arg.type)}`).join(", ");
  const passed = required.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
  const selection = (typeName, depth) => {
    const type = types.get(typeName);
    if (!type?.fields) return "";
    const parts = type.fields.filter((f) => !(f.args ?? []).some((a) => a.type.kind === "NON_NULL")).flatMap((f) => {
      const inner = types.get(namedType(f.type));
      if (!inner?.fields) return [f.name];
      return depth < 1 ? [`${f.name} ${selection(inner.name, depth + 1)}`] : [];
    });
    return parts.length ? `{ ${parts.join(" ")} }` : "";
  };
  return `${operation}${declared ? ` (${declared})` : ""} {\n  ${field.name}${passed ? `(${passed})` : ""} ${selection(namedType(field.type), 0)}\n}\n`;
}

function showSchema(schema) {
  const pane = $("schema");
  pane.textContent = "";
  const types = new Map(schema.types.map((type) => [type.name, type]));
  const roots = [["query", schema.queryType?.name], ["mutation", schema.mutationType?.name]];
  for (const [operation, name] of roots) {
    const type = types.get(name);
    if (!type) continue;
    pane.append(element("h2", { text: operation === "query" ? "Queries" : "Mutations" }));
    for (const field of type.fields) {
      const button = element("button", { type: "button", text: field.name });
      button.addEventListener("click", () => {
        $("query").value = skeleton(operation, field, types);
        $("variables").value = "";
      });
      const args = (field.args ?? []).map((arg) => `${arg.name}: ${typeText(arg.type)}`).join(", ");
      pane.append(element("div", { class: "field", "data-field": field.name }, button,
        element("code", { text: `${args ? `(${args})` : ""}: ${typeText(field.type)}` }),
        field.description ? element("div", { class: "doc", text: field.description }) : null));
    }
  }
  document.body.dataset.ready = "true";
}

async function main() {
  $("query").value = starter;
  $("run").addEventListener("click", run);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
  });
  const { body } = await send(introspection, {});
  if (body?.data?.__schema) showSchema(body.data.__schema);
  else $("schema").textContent = "The schema could not be loaded (is introspection on?).";
}

main();
