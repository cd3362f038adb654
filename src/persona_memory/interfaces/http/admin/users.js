// Users: find one, open it (relationships, memberships), export its data as a
// JSON download, erase it after a typed confirmation.

import { del, enc, get } from "./api.js";
import { act, confirmDialog, download, field, h, pagerControls, replace, table, when } from "./ui.js";

const PAGE = 20;

export async function usersScreen() {
  const q = h("input", { type: "search", name: "q", placeholder: "id or name" });
  const list = h("div", { id: "user-list" });
  let offset = 0;
  const load = async () => {
    const page = await get("/v1/users", { q: q.value.trim(), limit: PAGE, offset });
    replace(
      list,
      table("Users", [
        { title: "User", cell: (u) => h("a", { href: `#/users/${enc(u.id)}` }, u.id) },
        { title: "Name", cell: (u) => u.name || "—" },
        { title: "Created", cell: (u) => when(u.created_at) },
      ], page.users, { empty: q.value.trim() ? "No user matches." : "No users yet." }),
      pagerControls(offset, offset + page.users.length, page.total, offset > 0, offset + PAGE < page.total, (step) => {
        offset += step * PAGE;
        act(load);
      }),
    );
  };
  const form = h(
    "form",
    { className: "row", role: "search", "aria-label": "Find users", onsubmit: (e) => (e.preventDefault(), (offset = 0), act(load)) },
    h("div", { className: "grow" }, field("Find a user", q)),
    h("button", { type: "submit" }, "Search"),
  );
  await load();
  return [h("h2", {}, "Users"), h("section", { className: "card" }, form, list)];
}

export async function userScreen(userId) {
  const base = `/v1/users/${enc(userId)}`;
  const [user, { relationships }, { memberships }] = await Promise.all([get(base), get(`${base}/relationships`), get(`${base}/user-personas`)]);
  const exportData = () =>
    act(async () => {
      const data = await get(`${base}/export`);
      download(`persona-memory-user-${userId}.json`, data);
    }, `Exported ${userId} as JSON.`);
  const erase = async () => {
    const sure = await confirmDialog({
      title: `Erase ${userId}?`,
      message: "Every memory, relationship, profile, session, transcript and token of this user goes, in every scope. This cannot be undone.",
      confirm: "Erase user",
      typed: userId,
    });
    if (!sure) return;
    const done = await act(() => del(base), `Erased ${userId}.`);
    if (done !== undefined) location.hash = "#/users";
  };
  return [
    h("h2", {}, `User ${userId}`),
    h(
      "section",
      { className: "card" },
      h("dl", { className: "record" }, [h("dt", {}, "Name"), h("dd", {}, user.name || "—"), h("dt", {}, "Created"), h("dd", {}, when(user.created_at)), h("dt", {}, "Metadata"), h("dd", {}, JSON.stringify(user.metadata))]),
      h(
        "div",
        { className: "actions" },
        h("button", { type: "button", onclick: exportData }, "Export JSON"),
        h("button", { type: "button", className: "danger", onclick: erase }, "Erase user…"),
      ),
    ),
    h(
      "section",
      { className: "card" },
      h("h3", {}, "Relationships"),
      table("Relationships", [
        { title: "Persona", cell: (r) => h("a", { href: `#/relationships/${enc(r.persona_id)}/${enc(userId)}` }, r.persona_id) },
        { title: "Type", cell: (r) => r.relationship_type },
        { title: "Sessions", cell: (r) => String(r.total_sessions) },
        { title: "Minutes", cell: (r) => String(r.total_minutes) },
        { title: "Last session", cell: (r) => when(r.last_session_at) },
      ], relationships, { empty: "No relationships yet." }),
    ),
    h(
      "section",
      { className: "card" },
      h("h3", {}, "User personas"),
      table("Memberships", [
        { title: "User persona", cell: (m) => h("a", { href: `#/user-personas/${enc(m.handle)}` }, m.handle) },
        { title: "Confidence", cell: (m) => m.confidence_score.toFixed(2) },
        { title: "Since", cell: (m) => when(m.created_at) },
      ], memberships, { empty: "Not a member of any user persona." }),
    ),
  ];
}
