// Charts as inline SVG: no library, no network. Each is an image with a text
// alternative (role="img", <title> and <desc>) listing its numbers.

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

// One bar per [label, value]; vertical bars, labels under them.
export function barChart(title, pairs, { width = 480, height = 220, className = "" } = {}) {
  const margin = { top: 16, right: 8, bottom: 48, left: 36 };
  const inner = { w: width - margin.left - margin.right, h: height - margin.top - margin.bottom };
  const most = Math.max(1, ...pairs.map(([, value]) => value));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-labelledby": "",
    class: `chart ${className}`.trim(),
    "data-chart": title,
  });
  const id = `chart-${Math.random().toString(36).slice(2, 9)}`;
  chart.setAttribute("aria-labelledby", `${id}-t ${id}-d`);
  chart.append(svg("title", { id: `${id}-t` }, title));
  chart.append(svg("desc", { id: `${id}-d` }, pairs.map(([label, value]) => `${label}: ${value}`).join(", ") || "no data"));
  const plot = svg("g", { transform: `translate(${margin.left},${margin.top})` });
  chart.append(plot);
  plot.append(svg("line", { x1: 0, y1: inner.h, x2: inner.w, y2: inner.h, class: "axis" }));
  if (!pairs.length) {
    plot.append(svg("text", { x: inner.w / 2, y: inner.h / 2, "text-anchor": "middle", class: "label" }, "nothing yet"));
    return chart;
  }
  for (const tick of [0, Math.ceil(most / 2), most]) {
    const y = inner.h - (tick / most) * inner.h;
    plot.append(svg("text", { x: -6, y: y + 4, "text-anchor": "end", class: "tick" }, String(tick)));
  }
  const slot = inner.w / Math.max(1, pairs.length);
  pairs.forEach(([label, value], index) => {
    const barHeight = (value / most) * inner.h;
    const x = index * slot + slot * 0.15;
    const bar = svg("rect", { x, y: inner.h - barHeight, width: slot * 0.7, height: barHeight, class: "bar" });
    bar.append(svg("title", {}, `${label}: ${value}`));
    plot.append(bar);
    plot.append(svg("text", { x: x + slot * 0.35, y: inner.h - barHeight - 3, "text-anchor": "middle", class: "value" }, String(value)));
    const name = svg("text", { x: x + slot * 0.35, y: inner.h + 14, "text-anchor": "middle", class: "label" }, shorten(String(label), slot));
    plot.append(name);
  });
  return chart;
}

// Memories per day as a cumulative line: how the persona's memory grew.
export function growthChart(title, perDay, { width = 480, height = 220 } = {}) {
  const days = Object.keys(perDay).sort();
  let running = 0;
  const points = days.map((day) => [day, (running += perDay[day])]);
  const margin = { top: 16, right: 16, bottom: 48, left: 36 };
  const inner = { w: width - margin.left - margin.right, h: height - margin.top - margin.bottom };
  const most = Math.max(1, running);
  const id = `chart-${Math.random().toString(36).slice(2, 9)}`;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart growth", "data-chart": title, "aria-labelledby": `${id}-t ${id}-d` });
  chart.append(svg("title", { id: `${id}-t` }, title));
  chart.append(svg("desc", { id: `${id}-d` }, points.map(([day, total]) => `${day}: ${total}`).join(", ") || "no data"));
  const plot = svg("g", { transform: `translate(${margin.left},${margin.top})` });
  chart.append(plot);
  plot.append(svg("line", { x1: 0, y1: inner.h, x2: inner.w, y2: inner.h, class: "axis" }));
  plot.append(svg("text", { x: -6, y: 4, "text-anchor": "end", class: "tick" }, String(most)));
  plot.append(svg("text", { x: -6, y: inner.h + 4, "text-anchor": "end", class: "tick" }, "0"));
  const x = (i) => (points.length < 2 ? inner.w / 2 : (i / (points.length - 1)) * inner.w);
  const y = (total) => inner.h - (total / most) * inner.h;
  if (points.length) {
    const path = points.map(([, total], i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(total).toFixed(1)}`).join(" ");
    plot.append(svg("path", { d: path, class: "line" }));
  }
  points.forEach(([day, total], i) => {
    const dot = svg("circle", { cx: x(i), cy: y(total), r: 3.5, class: "dot" });
    dot.append(svg("title", {}, `${day}: ${total} in all`));
    plot.append(dot);
  });
  if (points.length) {
    plot.append(svg("text", { x: 0, y: inner.h + 16, "text-anchor": "start", class: "label" }, points[0][0]));
    if (points.length > 1) plot.append(svg("text", { x: inner.w, y: inner.h + 16, "text-anchor": "end", class: "label" }, points.at(-1)[0]));
  }
  return chart;
}

function shorten(text, room) {
  const fits = Math.max(3, Math.floor(room / 6.5));
  return text.length > fits ? `${text.slice(0, fits - 1)}…` : text;
}
