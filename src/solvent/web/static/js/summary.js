// The top of the page: snapshot time, Merkle root, accounts, per-asset liabilities
// against reserves (pass / fail), cold wallets, and the manifest signature checked in
// the browser where it can be (WebCrypto Ed25519), never claimed where it cannot.
//
// Liabilities, root and account count are read from the manifest bytes this page parsed
// itself; reserves and wallet checks come from the publisher's solvent (re-check them
// offline with `solvent report`), and say so.

import { fromHex, formatUnits, toHex } from "./protocol/parse.js";
import { $, amount, el, hashView, readable, shortHash } from "./ui.js";

// Every word this module shows, in one place.
const STATUS = {
  PASS: ["pass", "Pass", "reserves cover liabilities"],
  DECLARED: ["warn", "Declared only", "covered only with amounts the exchange declared and nobody checked"],
  FAIL: ["fail", "Fail", "reserves do not cover liabilities"],
};
/** The words for a wallet whose ownership proof lives on chain (ERC-1271) and was not checked. */
const NOT_CHECKED = "ownership NOT checked (needs a node)";
const MARK = { pass: "✓ ", fail: "✗ ", warn: "! ", muted: "" };
const TEXT = {
  title: (exchange) => `${exchange} — Proof of Reserves`,
  docTitle: (exchange, sid) => `${exchange} Proof of Reserves — ${sid}`,
  rootsLabel: "Merkle root hashes (one tree per asset)",
  rootLabel: "Merkle root hash",
  holders: (n) => ` ${n} holders`,
  roots: (n) => `${n} roots`,
  rootWhat: (symbol) => `${symbol} root hash`,
  noReservesBadge: "No reserves published",
  declaredPart: "declared",
  withDeclared: (ratio) => `${ratio} with declared`,
  ofLiabilities: "of liabilities",
  perChain: "per chain",
  offchain: "off-chain",
  cols: { result: "Result", ratio: "Ratio", liabilities: "Customer liabilities", reserves: "Reserves" },
  sig: { valid: "✓ Valid", invalid: "✗ Invalid", unchecked: "! Not checked here" },
  sigWhy: {
    valid: " checked in your browser. ",
    invalid: " the manifest does not match its signature. ",
    unchecked: (why) => ` (${why}); check it offline below. `,
  },
  keyLine: ["Key ", " — compare it with the key the exchange publishes elsewhere (its website, an auditor's report)."],
  noReserves: "This snapshot has no reserves attestation: only liabilities are published.",
  headline: {
    none: (n) => `No reserves are published for this snapshot: the customers' balances in its ${n} asset${n === 1 ? "" : "s"} can be checked, their backing cannot.`,
    all: (n) => `All ${n === 1 ? "" : `${n} `}asset${n === 1 ? " is" : "s are"} backed: reserves checked on chain cover what customers are owed.`,
    counts: { PASS: "backed by checked reserves", DECLARED: "covered only by declared amounts (not checked)", FAIL: "not backed", NONE: "without published reserves" },
    first: (k, n, what) => `${k} of ${n} assets ${what}`,
    next: (k, what) => `${k} ${what}`,
  },
  reservesNote:
    "Reserves: observed on chain at the pinned block (on chains whose nodes keep no history, at their latest block, " +
    "as each wallet says), from wallets whose ownership was verified. " +
    "Checked by the publisher's solvent; re-check them yourself with the command below.",
  wallets: (n) => `Cold wallets (${n}): where the reserves are, and how each was checked`,
  filterCount: (k, n) => `${k} of ${n} assets shown`,
  filterEmpty: (q) => `No asset matches “${q}”.`,
  timing: {
    declared: "balances declared, not read on chain",
    read: (timing, time) => `balances ${timing}${time ? ` (${time})` : ""}`,
    pinned: (height) => `pinned block ${height}`,
  },
  contract: "contract ",
  unrecognised: " (unrecognised)",
  walletBadge: { no: "No", unchecked: "Not checked", yes: "Yes", none: "n/a" },
  noOwnershipCheck: "none possible",
  addressWhat: "address",
  keyWhat: "public key",
  noSubtle: "this page is not in a secure context",
  noEd25519: "this browser has no Ed25519",
  exact: { off: "Show exact amounts", on: "Show readable amounts" },
};
/** Past this many assets the headline offers a filter box. */
const FILTER_FROM = 8;

/** Ed25519 over the exact manifest bytes (spec §5 (The snapshot manifest)); "unchecked" where the browser cannot. */
export async function checkSignature(manifestBytes, sigText, keyText) {
  const subtle = globalThis.crypto?.subtle;
  const key = keyText.trim();
  if (!subtle) return { state: "unchecked", key, why: TEXT.noSubtle };
  let cryptoKey;
  try {
    cryptoKey = await subtle.importKey("raw", fromHex(key), { name: "Ed25519" }, false, ["verify"]);
  } catch (e) {
    return { state: "unchecked", key, why: TEXT.noEd25519 };
  }
  const sig = sigText.trim();
  const ok = /^[0-9a-f]{128}$/.test(sig) && (await subtle.verify({ name: "Ed25519" }, cryptoKey, fromHex(sig), manifestBytes));
  return { state: ok ? "valid" : "invalid", key };
}

export function renderSignature(result) {
  const keyLine = el("span", { class: "sub" }, TEXT.keyLine[0], hashView(result.key, TEXT.keyWhat), TEXT.keyLine[1]);
  const cls = { valid: "pass", invalid: "fail" }[result.state] ?? "warn";
  const why = result.state === "unchecked" ? TEXT.sigWhy.unchecked(result.why) : TEXT.sigWhy[result.state];
  const verdict = () => el("span", { class: `badge ${cls}` }, TEXT.sig[result.state]);
  $("signature-status").replaceChildren(verdict(), result.state === "valid" ? "" : why);
  $("signing-key").replaceChildren(verdict(), why, keyLine);
}

/** One asset's reserves per chain (observed, and declared apart), and off-chain holdings. */
function byChain(line, decimals) {
  const zero = formatUnits(0n, decimals);
  const items = Object.entries(line.by_chain ?? {}).map(([chain, c]) =>
    el("li", { "data-chain": chain }, el("span", { class: "chain", text: `${c.name ?? chain} ` }), amount(c.display.observed),
      c.display.declared !== zero ? el("span", { class: "sub" }, " + ", amount(c.display.declared), ` ${TEXT.declaredPart}`) : null));
  const offchain = line.display.declared_offchain;
  if (offchain && offchain !== zero) {
    items.push(el("li", { "data-chain": "off-chain" }, el("span", { class: "chain", text: `${TEXT.offchain} ` }),
      el("span", { class: "sub" }, amount(offchain), ` ${TEXT.declaredPart}`)));
  }
  return items.length ? el("ul", { class: "by-chain", "aria-label": TEXT.perChain }, items) : null;
}

/** How the balances were read, in the report's words: a reading at a chain's latest block
 *  (Tron, Solana keep no history) is never shown as one at the pinned block. */
function timingText(w) {
  if (w.timing === "declared") return TEXT.timing.declared;
  if (w.timing) return TEXT.timing.read(w.timing, w.observed ? "" : w.block?.time ?? "");
  return w.block?.height !== undefined ? TEXT.timing.pinned(w.block.height) : "";
}

function walletRow(w, decimals) {
  const holdings = w.balances.map((b) => {
    // How the balance counts (observed = re-read by the publisher's own node), and for a
    // token the contract it is held in, flagged when no verifier recognises it.
    const counted = b.counted_as === "observed" ? null : el("span", { class: "sub" }, ` ${b.counted_as ?? b.source}`);
    const contract = b.contract
      ? el("span", { class: "sub contract" }, TEXT.contract, shortHash(b.contract),
        b.recognised_contract === false ? TEXT.unrecognised : "")
      : null;
    const exact = b.display ?? formatUnits(BigInt(b.amount), decimals.get(b.asset) ?? 0);
    return el("li", { "data-asset": b.asset }, el("span", { class: "amount-line" }, amount(exact, b.asset)), counted, contract);
  });
  const latest = Boolean(w.observed) && w.timing !== "declared";
  const unchecked = w.valid && w.ownership_checked === false;
  const how = [el("span", { class: "method", text: w.method || w.scheme })];
  if (unchecked) how.unshift(el("strong", { class: "warn-text", text: NOT_CHECKED }));
  if (w.ownership_note) how.push(el("span", { class: "sub", text: w.ownership_note }));
  if (w.key_bound === false) how.push(el("span", { class: "sub", text: w.key_binding }));
  let verdict;
  if (!w.valid) verdict = el("span", { class: "badge fail", title: w.error?.message ?? "" }, MARK.fail, TEXT.walletBadge.no);
  else if (unchecked) verdict = el("span", { class: "badge warn", title: w.ownership_note ?? "" }, MARK.warn, TEXT.walletBadge.unchecked);
  else verdict = el("span", { class: "badge pass" }, MARK.pass, TEXT.walletBadge.yes);
  return el("tr", { "data-chain": w.chain, "data-address": w.address },
    el("td", { class: "chain" }, w.chain_name || w.chain),
    el("td", { class: "address" }, hashView(w.address, TEXT.addressWhat), w.label ? el("span", { class: "sub", text: w.label }) : null),
    el("td", { class: "how" }, how),
    el("td", { class: "balances" }, el("span", { class: latest ? "timing latest" : "timing sub", text: timingText(w) }),
      el("ul", { class: "holdings" }, holdings)),
    el("td", { class: "verified" }, verdict));
}

/** A cell of the headline table; `label` names it on a phone, where each asset is a card. */
function cell(tag, label, attrs, ...children) {
  return el(tag, { ...attrs, "data-label": label }, ...children);
}

function badge(cls, label, why) {
  return [el("span", { class: `badge ${cls}`, title: why || null }, MARK[cls], label), why ? el("span", { class: "sr-only" }, `: ${why}`) : null];
}

/** One asset of the headline: its result first, then the ratio, the liabilities and the reserves. */
function assetRow(asset, liabilities, line) {
  const zero = formatUnits(0n, asset.decimals);
  if (!line) {
    return el("tr", { "data-asset": asset.symbol },
      el("th", { scope: "row", text: asset.symbol }),
      cell("td", TEXT.cols.result, { class: "result" }, badge("muted", TEXT.noReservesBadge, "")),
      cell("td", TEXT.cols.ratio, { class: "num ratio muted", text: "—" }),
      cell("td", TEXT.cols.liabilities, { class: "num" }, amount(liabilities)),
      cell("td", TEXT.cols.reserves, { class: "num muted", text: "—" }));
  }
  const [cls, label, why] = STATUS[line.status] ?? ["fail", line.status, ""];
  const reserves = [el("span", { class: "total" }, amount(line.display.observed_reserves))];
  if (line.display.declared !== zero) {
    reserves.push(el("span", { class: "sub" }, " + ", amount(line.display.declared), ` ${TEXT.declaredPart}`));
  }
  reserves.push(byChain(line, asset.decimals));
  return el("tr", { "data-asset": asset.symbol, "data-status": line.status },
    el("th", { scope: "row", text: asset.symbol }),
    cell("td", TEXT.cols.result, { class: "result" }, badge(cls, label, why)),
    cell("td", TEXT.cols.ratio, { class: "num ratio" }, el("span", { class: "ratio-value", text: readableRatio(line.ratio) }),
      line.status === "DECLARED" ? el("span", { class: "sub" }, TEXT.withDeclared(readableRatio(line.ratio_with_declared))) : null),
    cell("td", TEXT.cols.liabilities, { class: "num" }, amount(liabilities)),
    cell("td", TEXT.cols.reserves, { class: "num reserves" }, reserves));
}

/** "104123.45%" -> "104,123.45%" (the ratio as the report writes it, digits grouped). */
function readableRatio(ratio) {
  const m = /^(\d+)(\.\d+)?%$/.exec(ratio ?? "");
  return m ? `${readable(m[1])}${m[2] ?? ""}%` : ratio;
}

/** The answer in one sentence: how many assets are backed, and how the others stand. DECLARED is never counted as backed. */
function headline(statuses) {
  const n = statuses.length;
  if (statuses.every((s) => s === "NONE")) return TEXT.headline.none(n);
  if (statuses.every((s) => s === "PASS")) return TEXT.headline.all(n);
  const parts = ["PASS", "DECLARED", "FAIL", "NONE"]
    .map((k) => [k, statuses.filter((s) => s === k).length])
    .filter(([, count]) => count > 0)
    .map(([k, count], i) => (i === 0 ? TEXT.headline.first(count, n, TEXT.headline.counts[k]) : TEXT.headline.next(count, TEXT.headline.counts[k])));
  return `${parts.join("; ")}.`;
}

/** The headline's filter box (many assets): rows whose symbol contains the text. */
function wireFilter(count) {
  const row = $("asset-filter-row");
  const input = $("asset-filter");
  row.hidden = count <= FILTER_FROM;
  input.value = "";
  const apply = () => {
    const q = input.value.trim().toUpperCase();
    const rows = [...$("solvency-table").tBodies[0].rows];
    let shown = 0;
    for (const r of rows) {
      r.hidden = q !== "" && !r.dataset.asset.toUpperCase().includes(q);
      if (!r.hidden) shown += 1;
    }
    $("asset-filter-count").textContent = q ? TEXT.filterCount(shown, rows.length) : "";
    $("asset-filter-empty").hidden = shown > 0;
    $("asset-filter-empty").textContent = shown ? "" : TEXT.filterEmpty(input.value.trim());
  };
  input.oninput = apply;
  apply();
}

/** "Show exact amounts": every amount on the page as its exact decimal string, or readable again. */
export function wireExact(setExact) {
  const button = $("exact-amounts");
  button.textContent = TEXT.exact.off;
  button.addEventListener("click", () => {
    const on = button.getAttribute("aria-pressed") !== "true";
    setExact(on);
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? TEXT.exact.on : TEXT.exact.off;
  });
}

export function renderSummary(manifest, summary) {
  $("exchange-name").textContent = TEXT.title(manifest.exchange);
  document.title = TEXT.docTitle(manifest.exchange, manifest.snapshotId);
  const when = manifest.takenAt.replace("T", " ").replace("Z", " UTC");
  $("snapshot-time").replaceChildren(el("time", { datetime: manifest.takenAt }, when));
  const v2 = manifest.version === 2;
  $("account-count").textContent = Number(v2 ? manifest.accounts : manifest.root.leafCount).toLocaleString("en-US");
  $("root-hash-label").textContent = v2 ? TEXT.rootsLabel : TEXT.rootLabel;
  if (v2) {
    const roots = el("ul", { class: "roots" }, manifest.assets.map((t) =>
      el("li", { "data-asset": t.symbol }, el("span", { class: "what", text: `${t.symbol} ` }), hashView(toHex(t.root.hash), TEXT.rootWhat(t.symbol)),
        el("span", { class: "sub", text: TEXT.holders(Number(t.root.leafCount).toLocaleString("en-US")) }))));
    $("root-hash").replaceChildren(manifest.assets.length > 8
      ? el("details", {}, el("summary", { text: TEXT.roots(manifest.assets.length) }), roots) : roots);
  } else {
    $("root-hash").replaceChildren(hashView(toHex(manifest.root.hash), TEXT.rootLabel));
  }

  const lines = new Map((summary.assets ?? []).map((a) => [a.symbol, a.reserves]));
  const rows = manifest.assets.map((asset, i) =>
    assetRow(asset, formatUnits(v2 ? asset.root.sum : manifest.root.sums[i], asset.decimals), lines.get(asset.symbol)));
  $("solvency-table").tBodies[0].replaceChildren(...rows);
  $("headline").textContent = headline(manifest.assets.map((a) => lines.get(a.symbol)?.status ?? "NONE"));
  wireFilter(rows.length);

  const solvency = summary.solvency;
  if (!solvency) {
    // The server assesses every reserves.json it serves (v1 and v2 alike) or refuses to start.
    $("reserves-note").textContent = TEXT.noReserves;
    $("wallets-block").hidden = true;
    $("limits-block").hidden = true;
    return;
  }
  $("reserves-note").textContent = TEXT.reservesNote;
  $("wallets-block").hidden = false;
  $("limits-block").hidden = false;
  const decimals = new Map(manifest.assets.map((a) => [a.symbol, a.decimals]));
  // One row per wallet: its chain, how its ownership was proven, how its balances were read
  // and every asset it holds.
  const walletRows = solvency.wallets.map((w) => walletRow(w, decimals));
  for (const o of solvency.offchain) {
    walletRows.push(el("tr", { "data-chain": "off-chain" },
      el("td", { class: "chain", text: TEXT.offchain }),
      el("td", { class: "address" }, o.custodian, el("span", { class: "sub" }, ` ${o.note}`)),
      el("td", { class: "how" }, el("span", { class: "muted", text: TEXT.noOwnershipCheck })),
      el("td", { class: "balances" }, el("ul", { class: "holdings" }, el("li", {}, el("span", { class: "amount-line" }, amount(o.display, o.asset)),
        el("span", { class: "sub" }, ` ${TEXT.declaredPart}`)))),
      el("td", { class: "verified" }, el("span", { class: "badge muted" }, TEXT.walletBadge.none))));
  }
  $("wallets-table").tBodies[0].replaceChildren(...walletRows);
  $("wallets-summary").textContent = TEXT.wallets(walletRows.length);
  $("limitations").replaceChildren(...solvency.limitations.slice(1).map((t) => el("li", { text: t.replace(/^- /, "") })));
}
