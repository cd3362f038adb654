// The admin UI: a hash router over a few screens, each drawing itself from the
// documented /v1 API. Nothing here knows the server's internals.

import { ApiError, get, session } from "./api.js";
import { personaScreen } from "./personas.js";
import { privacyScreen } from "./privacy.js";
import { relationshipScreen } from "./relationship.js";
import { clearNotice, field, h, notify, replace, takeFocus } from "./ui.js";
import { userPersonaScreen, userPersonasScreen } from "./user_personas.js";
import { userScreen, usersScreen } from "./users.js";

const view = () => document.getElementById("view");

const ROUTES = [
  [/^#\/personas(?:\/([^/]+)(?:\/(memories|profile|stats))?)?$/, (m) => personaScreen(dec(m[1]), m[2] || "memories")],
  [/^#\/users$/, () => usersScreen()],
  [/^#\/users\/([^/]+)$/, (m) => userScreen(dec(m[1]))],
  [/^#\/relationships\/([^/]+)\/([^/]+)$/, (m) => relationshipScreen(dec(m[1]), dec(m[2]))],
  [/^#\/user-personas$/, () => userPersonasScreen()],
  [/^#\/user-personas\/([^/]+)$/, (m) => userPersonaScreen(dec(m[1]))],
  [/^#\/privacy$/, () => privacyScreen()],
];

function dec(part) {
  return part === undefined ? undefined : decodeURIComponent(part);
}

async function route({ moved = false } = {}) {
  if (!session.signedIn) return signInScreen();
  document.getElementById("nav").hidden = false;
  const hash = location.hash || "#/personas";
  markCurrent(hash);
  for (const [pattern, screen] of ROUTES) {
    const match = hash.match(pattern);
    if (match) return draw(() => screen(match), { moved });
  }
  return draw(async () => [h("h2", {}, "Not found"), h("p", {}, "No such screen: "), h("a", { href: "#/personas" }, "back to personas")]);
}

async function draw(screen, { moved = false } = {}) {
  const target = view();
  replace(target, h("p", { className: "count", "aria-busy": "true" }, "Loading…"));
  try {
    replace(target, await screen());
    if (moved) takeFocus(target);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      session.signOut();
      notify(`Signed out: ${error.message}`, "error");
      return signInScreen();
    }
    replace(target, h("h2", {}, "Could not load this screen"), h("p", {}, error.message));
    notify(error.message, "error");
  }
}

// A relationship is reached from its user, so it lights up Users.
const SECTION_OF = { relationships: "users" };

function markCurrent(hash) {
  const first = hash.split("/")[1] || "personas";
  const section = `#/${SECTION_OF[first] || first}`;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.getAttribute("href") === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function signInScreen() {
  document.getElementById("nav").hidden = true;
  const key = h("input", { type: "password", name: "key", autocomplete: "current-password", required: false });
  const form = h(
    "form",
    { className: "card signin", "aria-labelledby": "signin-title" },
    h("h2", { id: "signin-title" }, "Sign in"),
    h("p", {}, "Enter the server's admin key (PERSONA_MEMORY_ADMIN_KEY). It stays in this tab's session storage and is sent as a bearer token."),
    field("Admin key", key),
    h("div", { className: "actions" }, h("button", { type: "submit", className: "primary" }, "Sign in")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = key.value.trim();
    try {
      // The key is checked by an admin read before anything is shown or stored.
      await get("/v1/admin/personas", undefined, value);
    } catch (error) {
      const message = error.status === 401 && !value ? "This server needs its admin key." : error.message;
      notify(`Sign-in failed: ${message}`, "error");
      key.focus();
      return;
    }
    session.signIn(value);
    clearNotice();
    notify("Signed in.");
    if (!location.hash || location.hash === "#/") location.hash = "#/personas";
    else route();
  });
  replace(view(), form);
  key.focus();
}

document.getElementById("sign-out").addEventListener("click", () => {
  session.signOut();
  notify("Signed out.");
  signInScreen();
});
window.addEventListener("hashchange", () => route({ moved: true }));
route();
