// The one way the admin UI reaches the server: the documented /v1 REST API,
// with the admin key from session storage sent as a bearer.

const KEY = "persona-memory-admin-key";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  signIn(key) {
    sessionStorage.setItem(KEY, key);
  },
  signOut() {
    sessionStorage.removeItem(KEY);
  },
  get signedIn() {
    return sessionStorage.getItem(KEY) !== null;
  },
};

function url(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") params.append(name, value);
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

// An empty key is the open mode of a server with no admin key: send none.
function headers(key, hasBody) {
  const sent = hasBody ? { "Content-Type": "application/json" } : {};
  return key ? { ...sent, Authorization: `Bearer ${key}` } : sent;
}

// `key`: try this key instead of the session's (the sign-in check).
export async function api(method, path, { query, body, key = session.key, headers: extra = {} } = {}) {
  const init = { method, headers: { ...headers(key, body !== undefined), ...extra } };
  if (body !== undefined) init.body = JSON.stringify(body);
  let response;
  try {
    response = await fetch(url(path, query), init);
  } catch (error) {
    throw new ApiError(0, "network", `the server did not answer (${error.message})`);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || "http_error", error.message || `${response.status} ${response.statusText}`);
  }
  return data;
}

export const get = (path, query, key) => api("GET", path, { query, key });
export const post = (path, body, query) => api("POST", path, { body, query });
export const put = (path, body) => api("PUT", path, { body });
export const del = (path) => api("DELETE", path);

export const enc = encodeURIComponent;
