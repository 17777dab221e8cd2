// The signed-in session of Bazaar's web pages. The access token lives only in this module's
// memory; the refresh token is an HttpOnly cookie the server set, which no script can read. A
// page load, or an access token about to expire, asks the server for a new pair with the CSRF
// token echoed from its cookie. Tabs take turns refreshing (a Web Lock): two tabs spending the
// same refresh token at once would look like a stolen token and end the session.

let accessToken = null;
let user = null;
let expiresAt = 0;
const listeners = new Set();

export class APIError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  // "field: message" for each invalid field, or the detail.
  get explanation() {
    const errors = this.problem.errors || [];
    return errors.length ? errors.map((e) => `${e.field}: ${e.message}`).join("; ") : this.message;
  }
}

export const currentUser = () => user;
export const token = () => accessToken;

// Called with the user (or null) whenever the session starts, changes or ends.
export function onChange(listener) {
  listeners.add(listener);
}

function csrfToken() {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("bazaar_csrf="));
  return cookie ? decodeURIComponent(cookie.slice("bazaar_csrf=".length)) : "";
}

function adopt(result) {
  const changed = user?.id !== result?.user?.id || user?.role !== result?.user?.role;
  accessToken = result?.accessToken || null;
  user = result?.user || null;
  expiresAt = result ? Date.now() + (result.expiresIn - 30) * 1000 : 0;
  for (const listener of listeners) listener(user, changed);
}

async function send(method, path, body, headers = {}) {
  const init = { method, headers: { ...headers }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const payload = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new APIError(response.status, typeof payload === "object" ? payload : { detail: payload });
  return payload;
}

// Asks for a new access token with the refresh cookie; false when there is no session.
export async function refresh() {
  if (!csrfToken()) {
    adopt(null);
    return false;
  }
  const attempt = async () => {
    try {
      adopt(await send("POST", "/api/v1/auth/refresh", undefined, { "X-CSRF-Token": csrfToken() }));
      return true;
    } catch (error) {
      if (error instanceof APIError && (error.status === 401 || error.status === 403)) {
        adopt(null);
        return false;
      }
      throw error;
    }
  };
  return navigator.locks ? navigator.locks.request("bazaar-session-refresh", attempt) : attempt();
}

export async function login(email, password) {
  adopt(await send("POST", "/api/v1/auth/login", { email, password }, { "Session-Cookie": "true" }));
}

export async function register(name, email, password) {
  adopt(await send("POST", "/api/v1/auth/register", { name, email, password }, { "Session-Cookie": "true" }));
}

export async function logout() {
  try {
    if (csrfToken()) await send("POST", "/api/v1/auth/logout", undefined, { "X-CSRF-Token": csrfToken() });
  } finally {
    adopt(null);
  }
}

// A request as the signed-in user. An expired or revoked access token is renewed once.
export async function api(method, path, body, headers = {}) {
  if (accessToken && Date.now() > expiresAt) await refresh();
  const withToken = () => (accessToken ? { ...headers, Authorization: `Bearer ${accessToken}` } : headers);
  try {
    return await send(method, path, body, withToken());
  } catch (error) {
    if (!(error instanceof APIError) || error.status !== 401 || !accessToken) throw error;
    if (!(await refresh())) throw error;
    return send(method, path, body, withToken());
  }
}

// Raw bytes (an image upload) as the signed-in user.
export async function upload(path, file) {
  if (accessToken && Date.now() > expiresAt) await refresh();
  const response = await fetch(path, {
    method: "PUT", body: file, credentials: "same-origin",
    headers: { "Content-Type": file.type || "application/octet-stream", Authorization: `Bearer ${accessToken}` },
  });
  if (!response.ok) throw new APIError(response.status, await response.json().catch(() => null));
}

// Renews the access token shortly before it expires, so a page left open stays signed in.
setInterval(() => {
  if (accessToken && Date.now() > expiresAt - 60_000) refresh().catch(() => {});
}, 30_000);
