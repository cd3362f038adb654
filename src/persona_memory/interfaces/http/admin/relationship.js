// One relationship (a persona and a user): the record and its stats, the profile
// (editable JSON), blocks (shared ones marked), facts with history and validity,
// sessions and episodes, and the assembled prompt with its manifest.

import { api, enc, get, post } from "./api.js";
import { act, badge, field, h, pre, replace, table, when } from "./ui.js";

const FACTS_PAGE = 20;

export async function relationshipScreen(personaId, userId) {
  const base = `/v1/personas/${enc(personaId)}/relationships/${enc(userId)}`;
  const [record, profile, { blocks }, { sessions }, { episodes }] = await Promise.all([
    get(base),
    get(`${base}/profile`),
    get(`${base}/blocks`),
    get(`${base}/sessions`),
    get(`${base}/episodes`),
  ]);
  return [
    h("h2", {}, `${personaId} ↔ `, h("a", { href: `#/users/${enc(userId)}` }, userId)),
    h("div", { className: "grid2" }, recordCard(record), profileCard(base, profile)),
    blocksCard(blocks),
    await factsCard(personaId, userId),
    sessionsCard(sessions, episodes),
    await promptCard(personaId, userId),
  ];
}

function recordCard(r) {
  const rows = [
    ["Relationship type", r.relationship_type],
    ["Custom prompt", r.custom_system_prompt || "—"],
    ["Started", when(r.relationship_started_at)],
    ["Sessions", String(r.total_sessions)],
    ["Minutes", String(r.total_minutes)],
    ["Last session", when(r.last_session_at)],
    ["Recall depth", String(r.memory_config.auto_recall_depth)],
  ];
  return h(
    "section",
    { className: "card", "aria-labelledby": "record-title" },
    h("h3", { id: "record-title" }, "Relationship"),
    h("dl", { className: "record" }, rows.map(([name, value]) => [h("dt", {}, name), h("dd", {}, value)])),
    h("h3", {}, "Memory settings"),
    pre(r.memory_config),
  );
}

function profileCard(base, profile) {
  let version = profile.version;
  const editor = h("textarea", { name: "profile", rows: "12", spellcheck: "false" }, JSON.stringify(profile.categories, null, 2));
  const form = h(
    "form",
    { className: "card", "aria-labelledby": "profile-title" },
    h("h3", { id: "profile-title" }, "Profile"),
    field(`Profile JSON (version ${version}), one object per category`, editor, "Saving replaces each category given; the others are kept."),
    h("div", { className: "actions" }, h("button", { type: "submit", className: "primary" }, "Save profile")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let categories;
    try {
      categories = JSON.parse(editor.value);
    } catch (error) {
      return act(() => Promise.reject(new Error(`The profile is not valid JSON: ${error.message}`)));
    }
    const saved = await act(
      () => api("PUT", `${base}/profile`, { body: categories, headers: { "If-Match": `"v${version}"` } }),
      (p) => `Saved the profile (version ${p.version}).`,
    );
    if (saved) {
      version = saved.version;
      editor.value = JSON.stringify(saved.categories, null, 2);
    }
  });
  return form;
}

function blocksCard(blocks) {
  return h(
    "section",
    { className: "card" },
    h("h3", {}, "Core memory blocks"),
    table("Blocks attached to this relationship", [
      { title: "Label", cell: (b) => [h("code", {}, b.label), " ", b.owner === "user_persona" ? badge("shared", "shared") : b.read_only ? badge("read-only") : null] },
      { title: "Owner", cell: (b) => (b.owner === "user_persona" ? `user persona ${b.user_persona_handle}` : b.owner) },
      { title: "Value", cell: (b) => (b.value ? pre(b.value) : h("span", { className: "empty" }, "empty")) },
      { title: "Size", cell: (b) => `${b.value.length} / ${b.limit}` },
    ], blocks),
  );
}

async function factsCard(personaId, userId) {
  const list = h("div", {});
  let offset = 0;
  const load = async () => {
    const { memories } = await get("/v1/memories", {
      persona_id: personaId,
      user_id: userId,
      scope: "relationship",
      include_expired: "true",
      limit: FACTS_PAGE + 1,
      offset,
    });
    const page = memories.slice(0, FACTS_PAGE);
    const more = memories.length > FACTS_PAGE;
    replace(
      list,
      table("Facts about the user, newest first (expired ones included)", [
        { title: "Fact", cell: (m) => [m.text, " ", validity(m)] },
        { title: "Category", cell: (m) => m.category || "—" },
        { title: "Importance", cell: (m) => String(m.importance) },
        { title: "Valid", cell: (m) => `${when(m.valid_from)} → ${m.valid_to ? when(m.valid_to) : "now"}` },
        { title: "History", cell: (m) => historyOf(m) },
      ], page, { empty: "No facts yet." }),
      (offset > 0 || more) &&
      h(
        "nav",
        { className: "pager", "aria-label": "Fact pages" },
        h("button", { type: "button", disabled: offset === 0, onclick: () => ((offset -= FACTS_PAGE), act(load)) }, "Previous"),
        h("span", { className: "count" }, page.length ? `${offset + 1}-${offset + page.length}` : "none"),
        h("button", { type: "button", disabled: !more, onclick: () => ((offset += FACTS_PAGE), act(load)) }, "Next"),
      ),
    );
  };
  await load();
  return h("section", { className: "card" }, h("h3", {}, "Facts"), list);
}

function validity(m) {
  if (m.valid_to && new Date(m.valid_to) <= new Date()) return badge("expired", "expired");
  return m.supersedes ? badge("updated") : null;
}

// A disclosure that loads the fact's history the first time it opens.
function historyOf(m) {
  const body = h("div", {}, "Loading…");
  const details = h("details", {}, h("summary", {}, "History"), body);
  details.addEventListener("toggle", async () => {
    if (!details.open || details.dataset.loaded) return;
    details.dataset.loaded = "yes";
    const found = await act(() => get(`/v1/memories/${enc(m.id)}/history`));
    if (!found) return replace(body, "Could not load the history.");
    replace(body, h("ol", {}, found.history.map((e) => h("li", {}, `${when(e.created_at)} ${e.event}`, e.new_value?.text ? `: ${e.new_value.text}` : ""))));
  });
  return details;
}

function sessionsCard(sessions, episodes) {
  return h(
    "section",
    { className: "card" },
    h("h3", {}, "Sessions and episodes"),
    table("Sessions, newest first", [
      { title: "Session", cell: (s) => h("code", {}, s.id) },
      { title: "Status", cell: (s) => badge(s.status) },
      { title: "Entries", cell: (s) => String(s.entry_count) },
      { title: "Started", cell: (s) => when(s.started_at) },
      { title: "Ended", cell: (s) => when(s.ended_at) },
      { title: "Learned", cell: (s) => (s.memory_extracted ? "yes" : "no") },
    ], sessions, { empty: "No sessions yet." }),
    table("Episodes (what each ended session was about)", [
      { title: "Session", cell: (e) => h("code", {}, e.session_id) },
      { title: "Summary", cell: (e) => e.summary },
      { title: "Topics", cell: (e) => (e.key_topics || []).join(", ") || "—" },
      { title: "Ended", cell: (e) => when(e.ended_at) },
    ], episodes, { empty: "No episodes yet." }),
  );
}

async function promptCard(personaId, userId) {
  const query = h("input", { type: "text", name: "query", placeholder: "what the user just said (optional)" });
  const budget = h("input", { type: "number", name: "token_budget", min: "1", value: "2000" });
  const result = h("div", { id: "prompt-result" });
  const build = async () => {
    const body = { persona_id: personaId, user_id: userId, token_budget: Number(budget.value) };
    if (query.value.trim()) body.query = query.value.trim();
    const built = await post("/v1/prompt", body);
    replace(result, manifest(built));
    return built;
  };
  const form = h(
    "form",
    { className: "row", onsubmit: (e) => (e.preventDefault(), act(build, (p) => `Built the prompt: ${p.total_tokens} of ${p.token_budget} tokens.`)) },
    h("div", { className: "grow" }, field("Query", query)),
    field("Token budget", budget),
    h("button", { type: "submit", className: "primary" }, "Build prompt"),
  );
  await act(build);
  return h("section", { className: "card", "aria-labelledby": "prompt-title" }, h("h3", { id: "prompt-title" }, "Assembled prompt"), form, result);
}

function manifest(p) {
  const items = p.sections.flatMap((s) => s.items.map((item) => ({ ...item, section: s.title })));
  return [
    h("p", { className: "count", id: "prompt-total" }, `${p.total_tokens} of ${p.token_budget} tokens (${p.tokenizer}), ${p.sections.length} sections, ${p.dropped.length} dropped.`),
    table("Manifest: sections", [
      { title: "Section", cell: (s) => s.title },
      { title: "Tokens", cell: (s) => String(s.tokens) },
      { title: "Items", cell: (s) => String(s.items.length) },
    ], p.sections),
    table("Manifest: what went in and why", [
      { title: "Section", cell: (i) => i.section },
      { title: "Item", cell: (i) => h("code", {}, i.id) },
      { title: "Kind", cell: (i) => i.kind },
      { title: "Score", cell: (i) => i.score.toFixed(3) },
      { title: "Reason", cell: (i) => i.reason },
    ], items, { empty: "No items." }),
    table("Dropped to stay in budget", [
      { title: "Item", cell: (d) => h("code", {}, d.id) },
      { title: "Kind", cell: (d) => d.kind },
      { title: "Reason", cell: (d) => d.reason },
    ], p.dropped, { empty: "Nothing was dropped." }),
    h("h3", {}, "Prompt text"),
    pre(p.prompt),
  ];
}
