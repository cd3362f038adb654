// Small DOM helpers. Text always goes in as text nodes, never as HTML, so no
// memory, name or error message can inject markup.

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "className") element.className = value;
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let focusTarget = null;

// The element to focus once the next screen is drawn (a tab moved to by arrow
// key keeps the focus); without one, the new screen's main region takes it.
export function focusAfterDraw(id) {
  focusTarget = id;
}

export function takeFocus(fallback) {
  const target = focusTarget && document.getElementById(focusTarget);
  focusTarget = null;
  (target || fallback).focus();
}

let notice = null;

// Every action ends here: success in the polite live region, errors in an alert.
export function notify(message, kind = "ok") {
  const region = document.getElementById(kind === "error" ? "alert" : "status");
  const other = document.getElementById(kind === "error" ? "status" : "alert");
  other.replaceChildren();
  region.replaceChildren(h("p", { className: `notice ${kind}` }, message));
  clearTimeout(notice);
  if (kind !== "error") notice = setTimeout(() => region.replaceChildren(), 8000);
}

export function clearNotice() {
  document.getElementById("status").replaceChildren();
  document.getElementById("alert").replaceChildren();
}

// Runs an action, reporting its success or the API's own error message.
export async function act(work, success) {
  try {
    const result = await work();
    if (success) notify(typeof success === "function" ? success(result) : success);
    return result;
  } catch (error) {
    notify(error.message, "error");
    return undefined;
  }
}

export function table(caption, columns, rows, { empty = "Nothing here yet." } = {}) {
  if (!rows.length) return h("p", { className: "empty" }, empty);
  return h(
    "div",
    { className: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.title)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c) => h("td", { "data-column": c.title }, c.cell(row)))))),
    ),
  );
}

// Client-side paging of a list already fetched; `render` draws one page.
export function pager(items, size, render) {
  const box = h("div", {});
  let page = 0;
  const pages = () => Math.max(1, Math.ceil(items.length / size));
  const draw = () => {
    const start = page * size;
    replace(box, render(items.slice(start, start + size)), pagerControls(start, Math.min(start + size, items.length), items.length, page > 0, page < pages() - 1, (step) => {
      page += step;
      draw();
    }));
  };
  draw();
  return box;
}

export function pagerControls(first, last, total, hasPrevious, hasNext, move) {
  if (!hasPrevious && !hasNext) return null; // one page: nothing to move between
  return h(
    "nav",
    { className: "pager", "aria-label": "Pages" },
    h("button", { type: "button", disabled: !hasPrevious, onclick: () => move(-1) }, "Previous"),
    h("span", { className: "count" }, total ? `${first + 1}-${last} of ${total}` : "0 of 0"),
    h("button", { type: "button", disabled: !hasNext, onclick: () => move(1) }, "Next"),
  );
}

export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h("div", { className: "field" }, h("label", { for: id }, label), control, hint ? h("small", {}, hint) : null);
}

export function select(name, options, value) {
  return h(
    "select",
    { name },
    options.map(([optionValue, text]) => h("option", { value: optionValue, selected: optionValue === value }, text)),
  );
}

// A modal that resolves true on confirm. With `typed`, the confirm button stays
// disabled until that exact text is typed (erasing a user).
export function confirmDialog({ title, message, confirm = "Confirm", typed = null }) {
  return new Promise((resolve) => {
    const input = typed ? h("input", { type: "text", autocomplete: "off", spellcheck: "false" }) : null;
    const yes = h("button", { type: "submit", className: "danger", disabled: Boolean(typed) }, confirm);
    const no = h("button", { type: "button", value: "cancel" }, "Cancel");
    const dialog = h(
      "dialog",
      { "aria-labelledby": "dialog-title" },
      h(
        "form",
        { method: "dialog" },
        h("h2", { id: "dialog-title" }, title),
        h("p", {}, message),
        typed ? field(`Type ${typed} to confirm`, input) : null,
        h("div", { className: "actions" }, no, yes),
      ),
    );
    if (input) input.addEventListener("input", () => (yes.disabled = input.value !== typed));
    let answer = false;
    yes.addEventListener("click", () => (answer = !typed || input.value === typed));
    no.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    (input || no).focus();
  });
}

export function when(value) {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().slice(0, 16).replace("T", " ");
}

export function badge(text, kind = "") {
  return h("span", { className: `badge ${kind}` }, text);
}

export function pre(value) {
  return h("pre", { tabindex: "0" }, typeof value === "string" ? value : JSON.stringify(value, null, 2));
}

export function download(name, data) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const link = h("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(link);
  link.click();
  setTimeout(() => {
    URL.revokeObjectURL(link.href);
    link.remove();
  }, 0);
}
