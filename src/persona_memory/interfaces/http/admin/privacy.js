// The PII firewall: what it redacted in shared scopes (counts, never values), and
// a scan of what shared scopes hold, with an optional fix in place.

import { get, post } from "./api.js";
import { barChart } from "./charts.js";
import { act, badge, confirmDialog, h, pager, replace, table, when } from "./ui.js";

export async function privacyScreen() {
  const stats = await get("/v1/admin/privacy/stats");
  const results = h("div", { id: "scan-results" });
  const scan = async (fix) => {
    if (fix) {
      const sure = await confirmDialog({ title: "Redact what the scan finds?", message: "PII found in shared memories and blocks is anonymised in place, and each redaction is recorded.", confirm: "Scan and fix" });
      if (!sure) return;
    }
    await act(async () => {
      const report = await post("/v1/admin/privacy/scan", undefined, { fix: fix ? "true" : "false" });
      replace(results, scanReport(report));
      return report;
    }, (r) => `Scanned ${r.scanned}: ${r.with_pii} with PII, ${r.fixed} fixed.`);
  };
  const chart = (title, counts) => h("figure", {}, h("figcaption", {}, title), barChart(title, Object.entries(counts)));
  return [
    h("h2", {}, "Privacy"),
    h(
      "div",
      { className: "totals" },
      h("div", {}, h("strong", {}, String(stats.redactions)), "redactions"),
      h("div", {}, h("strong", {}, stats.mode), "mode"),
      h("div", {}, h("strong", {}, stats.detector), "detector"),
      h("div", {}, h("strong", {}, when(stats.last_at)), "last redaction"),
    ),
    h("div", { className: "charts" }, chart("Redactions by PII type", stats.by_type), chart("By scope", stats.by_scope), chart("By source", stats.by_source)),
    h(
      "section",
      { className: "card" },
      h("h3", {}, "Scan shared scopes"),
      h("p", {}, "Looks for PII in persona and global memories and in user-persona blocks, such as what was written before the firewall existed."),
      h("div", { className: "row" }, h("button", { type: "button", className: "primary", onclick: () => scan(false) }, "Run scan"), h("button", { type: "button", onclick: () => scan(true) }, "Scan and fix…")),
      results,
    ),
  ];
}

function scanReport(report) {
  return [
    h("p", { className: "count" }, `${report.scanned} scanned, ${report.with_pii} with PII, ${report.fixed} fixed.`),
    pager(report.findings, 25, (page) =>
      table("Findings", [
        { title: "Target", cell: (f) => [f.target, " ", h("code", {}, f.target_id)] },
        { title: "Scope", cell: (f) => f.scope },
        { title: "Owner", cell: (f) => f.owner || "—" },
        { title: "Found", cell: (f) => Object.entries(f.found).map(([type, n]) => `${type} × ${n}`).join(", ") },
        { title: "Fixed", cell: (f) => (f.fixed ? badge("fixed", "runtime") : "no") },
      ], page, { empty: "No PII found in shared scopes." }),
    ),
  ];
}
