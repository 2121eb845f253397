// Small DOM helpers. Every element is built with createElement and textContent: no HTML
// strings anywhere (the page enforces Trusted Types), so nothing from a file or a
// server can become markup.

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
export function copyButton(text, what = "value") {
  const button = el("button", { type: "button", class: "copy", "aria-label": `Copy ${what}`, title: `Copy ${what}` }, "Copy");
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch (e) {
      const code = button.parentElement?.querySelector("code");
      if (code) window.getSelection()?.selectAllChildren(code);
      button.textContent = "Selected: press Ctrl+C";
    }
    setTimeout(() => {
      button.textContent = "Copy";
    }, 2000);
  });
  return button;
}

/** A hash shown in full (wrapping), with a copy button. */
export function hashView(hex, what = "hash") {
  return el("span", { class: "hash" }, el("code", { text: hex }), copyButton(hex, what));
}

/** A hash shortened for dense views; the full value in the title and for screen readers. */
export function shortHash(hex) {
  return el("code", { class: "short", title: hex, "aria-label": hex }, `${hex.slice(0, 10)}…${hex.slice(-6)}`);
}

/** Sums as "1.50000000 BTC · 0 ETH"; zero amounts of many-asset trees are left out past four. */
export function sumsText(sums, assets) {
  const parts = sums.map((s, i) => `${formatUnits(BigInt(s), assets[i].decimals)} ${assets[i].symbol}`);
  if (parts.length <= 4) return parts.join(" · ");
  const nonzero = parts.filter((_, i) => BigInt(sums[i]) !== 0n);
  return `${nonzero.slice(0, 4).join(" · ")}${nonzero.length > 4 ? ` · +${nonzero.length - 4} more` : ""}`;
}

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
