// History: the reserve ratio per asset across the published snapshots, drawn as an inline
// SVG line chart (no chart library). Its data is one document, solvent-history/1:
// data/history.json on a static site, GET /api/history from `solvent serve`; each figure
// is the snapshot's solvency report (the exact ratio rounded down, as the table above shows
// it), and each asset's colour comes with it, from the palette the HTML report uses too.
//
// Self-contained: app.js loads this module and calls start() with the page's checked
// snapshots; it adds its own section (after the snapshot summary) and its own stylesheet
// (static/history.css). Nothing else on the page depends on it, and a site without
// history.json simply shows no chart. Its words come from the page's catalogues (i18n.js);
// it draws itself again when the language changes.
//
// history.json is the publisher's word: before drawing, the page checks each snapshot's
// figures against its signed files as the summary's are (checkedHistory, checked.js
// backedVerdicts: listed, signed by the newest snapshot's key, reserves.json bound, the
// signed liabilities, nothing beyond the signed reserves) and drops the figures (a gap) of
// every snapshot that fails or cannot be read; the caption says the rest are as the
// publisher reports them.

import { backedVerdicts } from "./checked.js";
import { formatDay, formatPercent, onLanguage, t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const H = 280;
const PAD = { left: 52, right: 14, top: 14, bottom: 44 };
const CAP = 1000; // percent: a higher ratio is drawn at the top (its exact value in the table)
const DASHES = ["", "6 4", "2 3", "8 3 2 3"];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== "") node.setAttribute(key, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function html(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** The ratio as a number of percent, for drawing only (the exact text is `ratio`). */
const percent = (line) => (line && line.ratio_hundredths !== null && line.ratio_hundredths !== undefined
  ? Number(line.ratio_hundredths) / 100 : null);

function niceMax(value) {
  const top = Math.min(Math.max(value, 120), CAP);
  const step = top <= 200 ? 25 : top <= 500 ? 100 : 200;
  return Math.ceil(top / step) * step;
}

function ticks(max) {
  const step = max <= 200 ? 25 : max <= 500 ? 100 : 200;
  const out = [];
  for (let v = 0; v <= max; v += step) out.push(v);
  return out;
}

const day = (takenAt) => formatDay(takenAt);
/** A result in the page's words (the same as the summary's badges): never a pass unless PASS. */
const STATUS = { PASS: "summary.status.pass", DECLARED: "summary.status.declared", FAIL: "summary.status.fail" };
const status = (code) => (STATUS[code] ? t(STATUS[code]) : code);

/** The chart: one line per asset, a point per snapshot with reserves, a dashed line at 100 %.
 *  `W`: its width in CSS pixels (the section's), so that its text is drawn at its real size. */
export function drawChart(doc, W = 640) {
  const snaps = doc.snapshots;
  const n = snaps.length;
  const values = doc.assets.map((a) => snaps.map((s) => percent(s.assets.find((x) => x.symbol === a.symbol))));
  const yMax = niceMax(Math.max(0, ...values.flat().filter((v) => v !== null)));
  const x = (i) => (n === 1 ? (PAD.left + W - PAD.right) / 2 : PAD.left + (i * (W - PAD.left - PAD.right)) / (n - 1));
  const y = (v) => PAD.top + (1 - Math.min(v, yMax) / yMax) * (H - PAD.top - PAD.bottom);
  const chart = svg("svg", {
    viewBox: `0 0 ${W} ${H}`,
    class: "history-chart",
    role: "img",
    "aria-labelledby": "history-chart-title",
    preserveAspectRatio: "xMidYMid meet",
  });
  chart.append(svg("title", { id: "history-chart-title" }, t("history.chartTitle", { n })));
  const grid = svg("g", { class: "grid" });
  for (const tick of ticks(yMax)) {
    grid.append(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(tick), y2: y(tick) }));
    grid.append(svg("text", { x: PAD.left - 6, y: y(tick) + 4, "text-anchor": "end" }, formatPercent(`${tick}%`)));
  }
  const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(W / 110))));
  snaps.forEach((s, i) => {
    if (i % every === 0 || i === n - 1) {
      const anchor = n > 1 && i === n - 1 ? "end" : n > 1 && i === 0 ? "start" : "middle";
      grid.append(svg("text", { x: x(i), y: H - PAD.bottom + 18, "text-anchor": anchor }, day(s.taken_at)));
    }
  });
  chart.append(grid);
  chart.append(svg("line", { class: "full", x1: PAD.left, x2: W - PAD.right, y1: y(100), y2: y(100) }));
  doc.assets.forEach((asset, k) => {
    const g = svg("g", { class: "series", "data-symbol": asset.symbol, stroke: asset.colour, fill: asset.colour });
    let d = "";
    let pen = false;
    values[k].forEach((v, i) => {
      if (v === null) {
        pen = false; // a snapshot without reserves, or nothing owed: a gap
        return;
      }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)} ${y(v).toFixed(1)} `;
      pen = true;
    });
    if (d) g.append(svg("path", { d: d.trim(), fill: "none", "stroke-width": 2, "stroke-dasharray": DASHES[asset.dash % DASHES.length] }));
    values[k].forEach((v, i) => {
      if (v === null) return;
      const line = snaps[i].assets.find((a) => a.symbol === asset.symbol);
      g.append(svg("circle", { cx: x(i), cy: y(v), r: 3.5 },
        svg("title", {}, t("history.point", { symbol: asset.symbol, sid: snaps[i].snapshot_id, ratio: formatPercent(line.ratio), status: status(line.status) }))));
    });
    chart.append(g);
  });
  return chart;
}

function legend(doc) {
  const last = doc.snapshots[doc.snapshots.length - 1];
  return html("ul", { class: "history-legend" }, ...doc.assets.map((asset) => {
    const line = last?.assets.find((a) => a.symbol === asset.symbol);
    const swatch = svg("svg", { viewBox: "0 0 24 8", width: 24, height: 8, "aria-hidden": "true" },
      svg("line", { x1: 1, x2: 23, y1: 4, y2: 4, stroke: asset.colour, "stroke-width": 3,
        "stroke-dasharray": DASHES[asset.dash % DASHES.length] }));
    return html("li", { "data-symbol": asset.symbol }, swatch, ` ${asset.symbol}`,
      line?.ratio ? html("span", { class: "latest" }, ` ${formatPercent(line.ratio)}`) : "");
  }));
}

/** The same figures as a table, for screen readers and for the exact values. */
function table(doc) {
  const head = html("tr", {}, html("th", { scope: "col" }, t("history.snapshot")),
    ...doc.assets.map((a) => html("th", { scope: "col" }, a.symbol)));
  const rows = doc.snapshots.map((s) => html("tr", {},
    html("th", { scope: "row" }, `${day(s.taken_at)} · ${s.snapshot_id}`),
    ...doc.assets.map((a) => {
      const line = s.assets.find((x) => x.symbol === a.symbol);
      if (s.unbound) return html("td", {}, t("history.unbound"));
      if (!s.reserves_published) return html("td", {}, t("history.noReserves"));
      return html("td", {}, line ? t("history.cell", { ratio: formatPercent(line.ratio), status: status(line.status) }) : "—");
    })));
  return html("details", { class: "history-table" },
    html("summary", {}, t("history.showFigures")),
    html("div", { class: "history-scroll" }, html("table", {},
      html("caption", { class: "sr-only" }, t("history.caption")),
      html("thead", {}, head), html("tbody", {}, ...rows))));
}

/** Fill `section` with the history in `doc` (solvent-history/1). */
export function renderHistory(section, doc) {
  if (doc?.format !== "solvent-history/1" || !doc.snapshots.length) return;
  section.replaceChildren(
    html("h2", { id: "history-title" }, t("history.title")),
    html("p", { class: "note" }, t("history.note")),
    html("figure", { class: "history-figure" }, html("figcaption", { class: "sub" }, t("history.reported"))),
    legend(doc),
    table(doc),
  );
  section.hidden = false;
  const figure = section.querySelector(".history-figure");
  figure.prepend(drawChart(doc, Math.max(300, Math.min(900, Math.round(figure.clientWidth || 640)))));
}

/** The section, after the summary (or at the end of <main>), and its stylesheet, loaded. */
async function mount() {
  let section = document.getElementById("history");
  if (!section) {
    section = html("section", { id: "history", "aria-labelledby": "history-title" });
    section.hidden = true;
    const summary = document.getElementById("summary");
    if (summary) summary.after(section);
    else document.querySelector("main")?.append(section);
  }
  const link = html("link", { rel: "stylesheet", href: "static/history.css" });
  const loaded = new Promise((resolve) => {
    link.addEventListener("load", resolve);
    link.addEventListener("error", resolve);
  });
  document.head.append(link);
  await loaded;
  return section;
}

/**
 * Whether history.json's figures of snapshot `s` are backed by its signed files, by the rule of
 * the summary above (checked.js backedVerdicts): listed in snapshots.json, its manifest (read
 * once, shared with the page) names it, binds reserves.json and is signed by `key` (the key the
 * newest snapshot's signature checked valid with), its liabilities are the signed ones, and no
 * asset counts more reserves than the signed reserves.json lists. Returns { takenAt (the signed
 * time, to draw the snapshot at), backed }, or null when the snapshot is not listed, not signed
 * with that key, or cannot be read (then it is not drawn at all).
 */
async function backedPoint(s, checked, ids, key) {
  const sid = s.snapshot_id;
  if (typeof sid !== "string" || !ids.has(sid) || key === null) return null;
  try {
    const [{ manifest, signature }, listed] = await Promise.all([checked.both(sid), checked.reservesOf(sid)]);
    if (manifest.snapshotId !== sid || signature.state !== "valid" || signature.key !== key) return null;
    const signed = { takenAt: manifest.takenAt, backed: false };
    const lines = (Array.isArray(s.assets) ? s.assets : []).map((a) => ({
      symbol: a?.symbol,
      decimals: a?.decimals,
      liabilities: a?.liabilities,
      reserves: { observed: a?.observed_reserves, declared: [a?.declared] },
      claims: a ?? {},
    }));
    return { ...signed, backed: backedVerdicts(manifest, signature, lines, listed) === "shown" };
  } catch (e) {
    return null;
  }
}

/**
 * `doc` with the figures of every snapshot its signed files do not back dropped (`unbound`: the
 * table says so, the chart shows a gap). `checked`: the page's CheckedSnapshots; `listed`: the
 * snapshot list (snapshots.json, or the API's), newest first. Snapshots are checked in parallel.
 */
export async function checkedHistory(doc, checked, listed) {
  const ids = new Set(listed.map((s) => s.snapshot_id));
  let key = null;
  if (listed.length) {
    try {
      const newest = await checked.signature(listed[0].snapshot_id);
      key = newest.state === "valid" ? newest.key : null;
    } catch (e) {
      key = null;
    }
  }
  const points = await Promise.all(doc.snapshots.map((s) => backedPoint(s, checked, ids, key)));
  return {
    ...doc,
    // A snapshot whose signed manifest cannot be read here is not drawn at all; the others at
    // their signed time, with their figures only where the signed files back them.
    snapshots: doc.snapshots.flatMap((s, i) => {
      const point = points[i];
      if (point === null) return [];
      if (point.backed) return [{ ...s, taken_at: point.takenAt }];
      return [{
        ...s,
        taken_at: point.takenAt,
        unbound: Boolean(s.reserves_published),
        reserves_published: false,
        passed: null,
        assets: (s.assets ?? []).map((a) => ({ symbol: a.symbol })),
      }];
    }),
  };
}

/** Draw the history of the page's snapshots (`checked`: its CheckedSnapshots; `listed`: the snapshot list). */
export async function start(checked, listed) {
  const section = await mount();
  const mode = document.querySelector('meta[name="solvent-data"]')?.content;
  const url = mode === "static" ? "data/history.json" : "api/history";
  let response;
  try {
    response = await fetch(url, { cache: "no-cache" });
  } catch (e) {
    return; // no history: the page works without it
  }
  if (!response.ok) return;
  const published = await response.json();
  if (published?.format !== "solvent-history/1" || !Array.isArray(published.snapshots) || !published.snapshots.length) return;
  const doc = await checkedHistory(published, checked, listed);
  renderHistory(section, doc);
  section.dataset.ready = "true";
  onLanguage(() => renderHistory(section, doc)); // drawn again in the new language
}

