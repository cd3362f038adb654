// User personas (the professional taxonomy): each with its members and the
// shared experience block every member's agents read and write.

import { enc, get } from "./api.js";
import { badge, h, pager, pre, table, when } from "./ui.js";

export async function userPersonasScreen() {
  const { user_personas: groups } = await get("/v1/user-personas");
  return [
    h("h2", {}, "User personas"),
    h("p", {}, "Professional profiles, named ", h("code", {}, "<industry>_<professional_role>"), ". Members share one experience block that holds lessons, never personal data."),
    h(
      "section",
      { className: "card" },
      pager(groups, 25, (page) =>
        table("User personas", [
          { title: "Handle", cell: (g) => h("a", { href: `#/user-personas/${enc(g.handle)}` }, g.handle) },
          { title: "Industry", cell: (g) => g.industry },
          { title: "Role", cell: (g) => g.professional_role },
          { title: "Description", cell: (g) => g.description || "—" },
        ], page, { empty: "No user personas yet." }),
      ),
    ),
  ];
}

export async function userPersonaScreen(handle) {
  const group = await get(`/v1/user-personas/${enc(handle)}`);
  const block = group.shared_block;
  return [
    h("h2", {}, `User persona ${handle}`),
    h("p", {}, `${group.industry} · ${group.professional_role}`, group.description ? ` — ${group.description}` : ""),
    h(
      "section",
      { className: "card" },
      h("h3", {}, "Shared experience block ", badge("shared", "shared")),
      h("p", { className: "count" }, h("code", {}, block.label), ` · ${block.value.length} of ${block.limit} characters · updated ${when(block.updated_at)}`),
      block.value ? pre(block.value) : h("p", { className: "empty" }, "Empty: members' agents add lessons here."),
    ),
    h(
      "section",
      { className: "card" },
      h("h3", {}, "Members"),
      pager(group.members, 25, (page) =>
        table("Members", [
          { title: "User", cell: (m) => h("a", { href: `#/users/${enc(m.user_id)}` }, m.user_id) },
          { title: "Confidence", cell: (m) => m.confidence_score.toFixed(2) },
          { title: "Joined", cell: (m) => when(m.created_at) },
        ], page, { empty: "No members yet." }),
      ),
    ),
  ];
}
