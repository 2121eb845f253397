// A v2 snapshot's "Find My Balance" table: the customer's held assets first with their
// amounts, every other asset of the manifest at zero, hidden until "Show all assets" — but
// always named in one line below the table (#zero-assets): an exchange that leaves an
// account out of one asset's tree (threat L20) makes that asset read 0, and the customer
// must be able to see which assets that is without asking.
// Each row offers the asset's Check (the path of its entry, held rows only), View Full
// Tree and Download Data (liabilities/<S>.csv). The amounts come from verifyProofBytesV2's
// balances (held first, manifest order): nothing here decides what is held.

import { formatUnits } from "./protocol/parse.js";
import { liabilitiesFile } from "./protocol/v2.js";
import { $, el } from "./ui.js";

/** The table's head for v1 (asset, balance) or v2 (asset, balance, per-asset actions). */
export function balanceHead(version) {
  const cols = ["Asset", "Your balance", ...(version === 2 ? ["This asset"] : [])];
  $("balance-table").tHead.replaceChildren(el("tr", {}, cols.map((c) => el("th", { scope: "col", text: c }))));
}

/**
 * Rows for `result.balances`; `actions` = { check(symbol), tree(symbol), fileUrl(name) }.
 * Zero rows are `hidden` (and marked data-held="false") until showAll(true).
 */
export function holdingRows(result, actions) {
  return result.balances.map((b) => {
    const csv = liabilitiesFile(b.symbol);
    const buttons = [
      b.held ? el("button", { type: "button", class: "check-asset", "data-asset": b.symbol, onclick: () => actions.check(b.symbol) }, `Check ${b.symbol}`) : null,
      el("button", { type: "button", class: "tree-asset", "data-asset": b.symbol, onclick: () => actions.tree(b.symbol) }, "View Full Tree"),
      el("a", { class: "csv-asset", href: actions.fileUrl(csv), download: `${b.symbol}.csv` }, `${b.symbol}.csv`),
    ];
    return el("tr", { "data-asset": b.symbol, "data-held": String(b.held), hidden: !b.held },
      el("th", { scope: "row", text: b.symbol }),
      el("td", { class: b.held ? "num" : "num muted", text: formatUnits(b.amount, b.decimals) }),
      el("td", { class: "row-actions" }, buttons));
  });
}

/** Show every asset of the manifest (zero rows too), or the held ones only; returns the state. */
export function showAll(on) {
  const rows = [...$("balance-table").tBodies[0].rows];
  for (const row of rows) row.hidden = !on && row.dataset.held !== "true";
  const button = $("show-all-assets");
  const zero = rows.filter((r) => r.dataset.held !== "true").length;
  button.setAttribute("aria-pressed", String(on));
  button.textContent = on ? "Show held assets only" : `Show all ${rows.length} assets (${zero} at zero)`;
  button.hidden = zero === 0;
  zeroLine(rows.filter((r) => r.dataset.held !== "true").map((r) => r.dataset.asset));
  return on;
}

/** Name the assets this proof has no entry for (0 for the customer), however the table is shown. */
const ZERO_NAMED = 20;
function zeroLine(symbols) {
  const line = $("zero-assets");
  line.hidden = symbols.length === 0;
  if (line.hidden) return;
  const named = symbols.slice(0, ZERO_NAMED).join(", ");
  const more = symbols.length > ZERO_NAMED ? ` and ${symbols.length - ZERO_NAMED} more (Show all)` : "";
  line.textContent = `0 for you in this snapshot: ${named}${more}. If you hold any of these, this snapshot leaves that balance out: keep your proof and tell the exchange.`;
}
