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
import { t } from "./i18n.js";
import { $, amount, el } from "./ui.js";

// Every word this module shows is in the message catalogue (static/i18n/), under "holdings.".

/** The table's head for v1 (asset, balance) or v2 (asset, balance, per-asset actions). */
export function balanceHead(version) {
  const cols = [t("holdings.cols.asset"), t("holdings.cols.balance"), ...(version === 2 ? [t("holdings.cols.actions")] : [])];
  $("balance-table").tHead.replaceChildren(el("tr", {}, cols.map((c, i) => el("th", { scope: "col", class: i === 1 ? "num" : null, text: c }))));
}

/**
 * Rows for `result.balances`; `actions` = { check(symbol), tree(symbol), fileUrl(name) }.
 * Zero rows are `hidden` (and marked data-held="false") until showAll(true).
 */
export function holdingRows(result, actions) {
  return result.balances.map((b) => {
    const csv = liabilitiesFile(b.symbol);
    const buttons = [
      b.held ? el("button", { type: "button", class: "check-asset", "data-asset": b.symbol, onclick: () => actions.check(b.symbol) }, t("holdings.check", { symbol: b.symbol })) : null,
      el("button", { type: "button", class: "tree-asset secondary", "data-asset": b.symbol, "aria-label": t("holdings.treeLabel", { symbol: b.symbol }), onclick: () => actions.tree(b.symbol) }, t("holdings.tree")),
      el("a", { class: "csv-asset", href: actions.fileUrl(csv), download: `${b.symbol}.csv`, "aria-label": t("holdings.csvLabel", { symbol: b.symbol }) }, `${b.symbol}.csv`),
    ];
    return el("tr", { "data-asset": b.symbol, "data-held": String(b.held), hidden: !b.held },
      el("th", { scope: "row", text: b.symbol }),
      el("td", { class: b.held ? "num balance" : "num balance muted", "data-label": t("holdings.cols.balance") }, amount(formatUnits(b.amount, b.decimals))),
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
  button.textContent = on ? t("holdings.heldOnly") : t("holdings.all", { n: rows.length, zero });
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
  const named = symbols.slice(0, ZERO_NAMED).join(t("holdings.listSeparator"));
  line.textContent = symbols.length > ZERO_NAMED
    ? t("holdings.zeroMore", { named, more: symbols.length - ZERO_NAMED })
    : t("holdings.zero", { named });
}
