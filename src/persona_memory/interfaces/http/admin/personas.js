// Seed 003's admin panel: the persona selector and its Memories, Profile and
// Stats tabs, over /v1/admin/personas/...

import { del, enc, get, post } from "./api.js";
import { barChart, growthChart } from "./charts.js";
import { act, badge, confirmDialog, field, focusAfterDraw, h, pager, pre, replace, select, table, when } from "./ui.js";

export const CATEGORIES = ["experience", "preference", "opinion", "learned_fact", "interest", "relationship", "emotional_pattern"];
const TABS = [
  ["memories", "Memories"],
  ["profile", "Profile"],
  ["stats", "Stats"],
];
const PAGE = 20;

export async function personaScreen(personaId, tab) {
  const { personas } = await get("/v1/admin/personas");
  const chosen = personaId || "";
  const selector = select("persona", [["", "Choose a persona…"], ...personas.map((p) => [p.id, `${p.name} (${p.id}) · ${p.memories} memories`])], chosen);
  selector.addEventListener("change", () => {
    if (selector.value) location.hash = `#/personas/${enc(selector.value)}/${tab}`;
  });
  const head = [h("h2", {}, "Personas"), h("div", { className: "row" }, h("div", { className: "grow" }, field("Persona", selector)))];
  if (!personas.length) return [...head, h("p", { className: "empty" }, "No personas yet: create one through the API or sync a persona directory.")];
  if (!chosen) return [...head, h("p", { className: "empty" }, "Choose a persona to see its own memories, passport and stats.")];
  if (!personas.some((p) => p.id === chosen)) return [...head, h("p", { className: "empty" }, `There is no persona ${chosen}.`)];
  const panel = h("div", { role: "tabpanel", id: "persona-panel", tabindex: "0", "aria-labelledby": `tab-${tab}` });
  replace(panel, await TAB_SCREENS[tab](chosen));
  return [...head, tabList(chosen, tab), panel];
}

// Arrow keys move between tabs, as the ARIA tabs pattern has it.
function tabList(personaId, current) {
  const buttons = TABS.map(([name, title]) =>
    h(
      "button",
      {
        type: "button",
        role: "tab",
        id: `tab-${name}`,
        "aria-selected": String(name === current),
        "aria-controls": "persona-panel",
        tabindex: name === current ? "0" : "-1",
        onclick: () => (location.hash = `#/personas/${enc(personaId)}/${name}`),
      },
      title,
    ),
  );
  const list = h("div", { role: "tablist", "aria-label": "Persona views" }, buttons);
  list.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const index = (TABS.findIndex(([name]) => name === current) + step + TABS.length) % TABS.length;
    focusAfterDraw(`tab-${TABS[index][0]}`);
    location.hash = `#/personas/${enc(personaId)}/${TABS[index][0]}`;
  });
  return list;
}

const TAB_SCREENS = { memories: memoriesTab, profile: profileTab, stats: statsTab };

async function memoriesTab(personaId) {
  const base = `/v1/admin/personas/${enc(personaId)}/memories`;
  const q = h("input", { type: "search", name: "q", placeholder: "pizza, coffee…" });
  const category = select("category", [["", "All categories"], ...CATEGORIES.map((c) => [c, c])], "");
  const source = select("source", [["", "All sources"], ["json", "json (file)"], ["runtime", "runtime"]], "");
  const list = h("div", { id: "memory-list" });

  const load = async () => {
    const { memories } = await get(base, { q: q.value.trim(), category: category.value, source: source.value });
    replace(list, pager(memories, PAGE, (page) => memoryTable(page, q.value.trim())));
    return memories;
  };
  const refresh = () => act(load);
  const filters = h(
    "form",
    { className: "row", role: "search", "aria-label": "Memory filters", onsubmit: (e) => (e.preventDefault(), refresh()) },
    h("div", { className: "grow" }, field("Search memories", q)),
    field("Category", category),
    field("Source", source),
    h("button", { type: "submit" }, "Search"),
  );
  category.addEventListener("change", refresh);
  source.addEventListener("change", refresh);

  const memoryTable = (memories, query) =>
    table(query ? `Memories best matching “${query}”` : "Memories, newest first", [
      { title: "ID", cell: (m) => h("code", {}, m.metadata.file_id || m.id) },
      { title: "Memory", cell: (m) => m.text },
      { title: "Category", cell: (m) => m.category || "—" },
      { title: "Source", cell: (m) => badge(m.source === "json" ? "json" : m.source, m.source === "json" ? "" : "runtime") },
      { title: "Importance", cell: (m) => String(m.importance) },
      { title: "Referencable", cell: (m) => (m.can_reference ? "yes" : "no") },
      {
        title: "Actions",
        cell: (m) =>
          h("button", { type: "button", "aria-label": `Delete ${m.metadata.file_id || m.id}`, onclick: () => remove(m) }, "Delete"),
      },
    ], memories, { empty: "No memories match." });

  const remove = async (m) => {
    const name = m.metadata.file_id || m.id;
    const sure = await confirmDialog({ title: "Delete this memory?", message: `“${m.text}” (${name}). A memory from the file comes back at the next sync unless the file loses it too.`, confirm: "Delete" });
    if (!sure) return;
    await act(async () => {
      await del(`${base}/${enc(m.id)}`);
      await load();
    }, `Deleted ${name}.`);
  };

  const sync = async () => {
    await act(async () => {
      const report = await post(`${base}/sync`);
      await load();
      return report;
    }, (r) => `Synced ${r.file ?? "the persona file"}: ${r.counts.added} added, ${r.counts.updated} updated, ${r.counts.removed} removed, ${r.counts.unchanged} unchanged.`);
  };

  await load();
  return [
    h("section", { className: "card" }, h("h3", {}, "Memories"), filters, h("div", { className: "row" }, h("button", { type: "button", onclick: sync }, "Sync from JSON")), list),
    addForm(personaId, load),
  ];
}

function addForm(personaId, reload) {
  const text = h("textarea", { name: "text", rows: "2", required: true });
  const category = select("category", CATEGORIES.map((c) => [c, c]), "experience");
  const importance = h("input", { type: "number", name: "importance", min: "1", max: "10", value: "5" });
  const tags = h("input", { type: "text", name: "tags", placeholder: "coffee, mornings" });
  const tone = h("input", { type: "text", name: "emotional_tone", placeholder: "playful" });
  const referencable = h("input", { type: "checkbox", name: "can_reference", checked: true });
  const form = h(
    "form",
    { className: "card", "aria-labelledby": "add-title" },
    h("h3", { id: "add-title" }, "Add a runtime memory"),
    field("Memory text", text, "In the persona's own voice. Shared scope: the PII firewall screens it."),
    h("div", { className: "row" }, field("Category", category), field("Importance (1-10)", importance), h("div", { className: "grow" }, field("Tags (comma-separated)", tags)), field("Emotional tone", tone)),
    h("div", { className: "row" }, h("label", {}, referencable, " The persona may bring it up")),
    h("div", { className: "actions" }, h("button", { type: "submit", className: "primary" }, "Add memory")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      text: text.value,
      category: category.value,
      importance: Number(importance.value),
      tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      can_reference: referencable.checked,
    };
    if (tone.value.trim()) body.emotional_tone = tone.value.trim();
    const added = await act(() => post(`/v1/admin/personas/${enc(personaId)}/memories`, body), (m) => `Added ${m.id} (source ${m.source}).`);
    if (added) {
      form.reset();
      await act(reload);
    }
  });
  return form;
}

async function profileTab(personaId) {
  const passport = await get(`/v1/admin/personas/${enc(personaId)}/profile`);
  const rows = [
    ["Persona", passport.persona_id],
    ["Name", passport.name],
    ["Description", passport.description || "—"],
    ["Voice", passport.voice || "—"],
    ["Core system prompt", passport.core_system_prompt || "—"],
  ];
  return h(
    "section",
    { className: "card", "aria-labelledby": "passport-title" },
    h("h3", { id: "passport-title" }, "Passport (read-only: edit the persona's file and sync)"),
    h("dl", { className: "record" }, rows.map(([name, value]) => [h("dt", {}, name), h("dd", {}, value)])),
    h("h3", {}, "Personality traits"),
    pre(passport.personality_traits),
    h("h3", {}, "Behavioural rules"),
    passport.behavioral_rules?.length ? h("ul", {}, passport.behavioral_rules.map((rule) => h("li", {}, rule))) : h("p", { className: "empty" }, "None."),
    h("h3", {}, "Continuation"),
    pre(passport.continuation),
  );
}

async function statsTab(personaId) {
  const stats = await get(`/v1/admin/personas/${enc(personaId)}/memories/stats`);
  const byCategory = CATEGORIES.map((c) => [c, stats.by_category[c] || 0]);
  const bySource = ["json", "runtime"].map((s) => [s, stats.by_source[s] || 0]);
  const importance = Object.entries(stats.importance).map(([level, n]) => [level, n]);
  const figure = (title, chart) => h("figure", {}, h("figcaption", {}, title), chart);
  return [
    h(
      "div",
      { className: "totals" },
      h("div", {}, h("strong", {}, String(stats.total)), "memories"),
      h("div", {}, h("strong", {}, String(stats.by_source.json || 0)), "from the file"),
      h("div", {}, h("strong", {}, String(stats.by_source.runtime || 0)), "runtime"),
      h("div", {}, h("strong", {}, stats.last_sync ? when(stats.last_sync.synced_at) : "never"), "last sync"),
    ),
    h(
      "div",
      { className: "charts" },
      figure("By category", barChart("Memories by category", byCategory)),
      figure("By source", barChart("Memories by source", bySource)),
      figure("Importance", barChart("Memories by importance (1-10)", importance)),
      figure("Over time", growthChart("Memories stored over time (cumulative)", stats.over_time)),
    ),
  ];
}
