// Small DOM helpers. Every element is built with createElement and textContent: no HTML
// strings anywhere (the page enforces Trusted Types), so nothing from a file or a
// server can become markup.
//
// Amounts are shown for people (digits grouped, trailing zeros trimmed) and carry their
// exact decimal string (the one the CSV, the proof and the command line print) in a
// <data value> and its title; "Exact amounts" (setExact) shows every exact string. All
// formatting works on the decimal string: an amount is never a float.

import { groupDecimal, onLanguage, t } from "./i18n.js";
import { formatUnits } from "./protocol/parse.js";

/** el("p", {class: "x"}, "text", child, ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (id) => document.getElementById(id);

/** A button that copies `text`; where the Clipboard API is missing it selects the text instead. */
export function copyButton(text, what = t("ui.value")) {
  const label = t("ui.copyWhat", { what });
  const button = el("button", { type: "button", class: "copy", "aria-label": label, title: label }, t("ui.copy"));
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = t("ui.copied");
    } catch (e) {
      const code = button.parentElement?.querySelector("code");
      if (code) window.getSelection()?.selectAllChildren(code);
      button.textContent = t("ui.selected");
    }
    setTimeout(() => {
      button.textContent = t("ui.copy");
    }, 2000);
  });
  return button;
}

/** A hash shown in full (wrapping), with a copy button. */
export function hashView(hex, what = t("ui.hash")) {
  return el("span", { class: "hash" }, el("code", { text: hex }), copyButton(hex, what));
}

/** A hash shortened for dense views; the full value in the title and for screen readers. */
export function shortHash(hex) {
  return el("code", { class: "short", title: hex, "aria-label": hex }, `${hex.slice(0, 10)}…${hex.slice(-6)}`);
}

/**
 * A decimal string for people: "-1234567.50000000" -> "-1,234,567.5" in English,
 * "-1.234.567,5" in Spanish (digits grouped with the locale's separators, trailing zeros of
 * the fraction trimmed). Equal in value to the exact string, always: only zeros after the
 * point are dropped, and the digits never pass through a float. Anything that is not a
 * plain decimal is returned as is.
 */
export function readable(exact) {
  const m = /^(-?\d+)(?:\.(\d*))?$/.exec(exact);
  if (!m) return exact;
  const trimmed = (m[2] ?? "").replace(/0+$/, "");
  return groupDecimal(trimmed ? `${m[1]}.${trimmed}` : m[1]);
}

let exactMode = false;

/** An amount (its exact decimal string), readable or exact as the page shows them; `symbol` after it. */
export function amount(exact, symbol = null) {
  const value = el("data", { class: "amount", value: exact, title: t("ui.exactTitle", { exact }) }, exactMode ? exact : readable(exact));
  return symbol === null ? value : el("span", { class: "amount-with-unit" }, value, ` ${symbol}`);
}

/** Base units `units` (BigInt or decimal string) of an asset with `decimals`, as amount(). */
export function units(value, decimals, symbol = null) {
  return amount(formatUnits(BigInt(value), decimals), symbol);
}

/** Show every amount exactly (true) or readable (false). */
export function setExact(on) {
  exactMode = on;
  for (const node of document.querySelectorAll("data.amount")) node.textContent = on ? node.value : readable(node.value);
}

/** How many sums a node shows before "+N more" (the rest one click away, never dropped). */
const SUMS_SHOWN = 4;

/**
 * A node's sums, each "1.5 BTC": all of them up to four; past four, the first four non-zero
 * ones and every other sum (zeros too) behind "+N more".
 */
export function sumsView(sums, assets, tag = "span") {
  const items = sums.map((s, i) => ({ zero: BigInt(s) === 0n, node: el("span", { class: "sum" }, units(s, assets[i].decimals, assets[i].symbol)) }));
  if (items.length <= SUMS_SHOWN) return el(tag, { class: "sums" }, items.map((x) => x.node));
  const first = items.filter((x) => !x.zero).slice(0, SUMS_SHOWN);
  const rest = items.filter((x) => !first.includes(x));
  return el(tag, { class: "sums" }, first.map((x) => x.node),
    el("details", { class: "more-sums" }, el("summary", { "aria-label": t("ui.moreLabel", { n: rest.length }), "data-more": rest.length }, t("ui.more", { n: rest.length })),
      rest.map((x) => x.node)));
}

// A new language: every amount and "+N more" already drawn is written again (the parts of the
// page that are drawn from data draw themselves again, see app.js).
onLanguage(() => {
  for (const node of document.querySelectorAll("data.amount")) {
    node.textContent = exactMode ? node.value : readable(node.value);
    node.title = t("ui.exactTitle", { exact: node.value });
  }
  for (const node of document.querySelectorAll("summary[data-more]")) {
    const n = Number(node.dataset.more);
    node.setAttribute("aria-label", t("ui.moreLabel", { n }));
    node.textContent = t("ui.more", { n });
  }
});

export function show(id, visible = true) {
  $(id).hidden = !visible;
}

/** Evidence of a failure as a definition list (what was expected, what was computed...). */
export function evidenceList(evidence) {
  const entries = Object.entries(evidence ?? {});
  if (!entries.length) return null;
  return el(
    "dl",
    { class: "evidence" },
    entries.map(([k, v]) => el("div", {}, el("dt", { text: k }), el("dd", {}, el("code", { text: v })))),
  );
}
