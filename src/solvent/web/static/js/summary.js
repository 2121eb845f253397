// The top of the page: snapshot time, Merkle root, accounts, per-asset liabilities
// against reserves (pass / fail), cold wallets, and the manifest signature checked in
// the browser where it can be (WebCrypto Ed25519), never claimed where it cannot.
//
// Liabilities, root and account count are read from the manifest bytes this page parsed
// itself; reserves and wallet checks come from the publisher's solvent (re-check them
// offline with `solvent report`), and say so. They are shown only for a manifest whose
// signature this page checked valid and which binds reserves.json, only when summary.json's
// liabilities are the signed ones, and never beyond what the signed reserves.json lists
// (reservesShown, checked.js backedVerdicts).

import { SolventError } from "./protocol/errors.js";
import { formatUnits, toHex } from "./protocol/parse.js";
import { verifyManifestSignature } from "./protocol/signature.js";
import { formatCount, formatDateTime, formatPercent, onLanguage, t, tx } from "./i18n.js";
import { $, amount, el, hashView, shortHash } from "./ui.js";
import { amountOf, backedVerdicts, heldOnChain } from "./checked.js";

// Every word this module shows is in the message catalogue (static/i18n/), under "summary.".
// A result's badge and its meaning: "Declared only" is its own word in every language, never a pass.
const STATUS = {
  PASS: ["pass", "summary.status.pass", "summary.status.passWhy"],
  DECLARED: ["warn", "summary.status.declared", "summary.status.declaredWhy"],
  FAIL: ["fail", "summary.status.fail", "summary.status.failWhy"],
};
const MARK = { pass: "✓ ", fail: "✗ ", warn: "! ", muted: "" };
const SIG = {
  valid: ["summary.sig.valid", "summary.sigWhy.valid"],
  invalid: ["summary.sig.invalid", "summary.sigWhy.invalid"],
  unchecked: ["summary.sig.unchecked", "summary.sigWhy.unchecked"],
};
const COUNTS = {
  PASS: "summary.headline.countPass",
  DECLARED: "summary.headline.countDeclared",
  FAIL: "summary.headline.countFail",
  NONE: "summary.headline.countNone",
};
/**
 * An asset's reserves line as the page draws it, from its amounts alone (checked by
 * reservesShown): the result and ratios as solvency.py computes them, the amounts written
 * with formatUnits, and the per-chain split only when it adds up to those amounts and the
 * signed reserves.json holds that much on each chain named.
 */
function drawnLine(line, decimals, symbol, listed) {
  const observed = BigInt(line.observed_reserves);
  const onchain = BigInt(line.declared_onchain);
  const offchain = BigInt(line.declared_offchain);
  const declared = onchain + offchain;
  const units = (v) => formatUnits(v, decimals);
  const chains = Object.entries(line.by_chain && typeof line.by_chain === "object" ? line.by_chain : {});
  const amounts = chains.map(([, c]) => [amountOf(c?.observed), amountOf(c?.declared)]);
  // Drawn only if it adds up to the line's amounts and names only chains where the signed
  // reserves.json holds at least that much of the asset.
  const adds = amounts.every(([o, d], i) => o !== null && d !== null && o + d <= heldOnChain(listed, chains[i][0], symbol))
    && amounts.reduce((a, [o]) => a + o, 0n) === observed && amounts.reduce((a, [, d]) => a + d, 0n) === onchain;
  const byChain = adds ? Object.fromEntries(chains.map(([chain, c], i) => [chain, {
    name: typeof c.name === "string" ? c.name : chain,
    display: { observed: units(amounts[i][0]), declared: units(amounts[i][1]) },
  }])) : {};
  return {
    status: line.status,
    ratio: line.ratio,
    ratio_with_declared: line.ratio_with_declared,
    display: { observed_reserves: units(observed), declared: units(declared), declared_offchain: units(offchain) },
    by_chain: byChain,
  };
}

/** Why no reserves verdict is shown (reservesShown): the headline, and the note under the table. */
const WITHHELD = {
  unbound: ["summary.headline.unbound", "summary.withheld.unbound"],
  unsigned: ["summary.headline.unsigned", "summary.withheld.unsigned"],
  mismatch: ["summary.headline.mismatch", "summary.withheld.mismatch"],
  exceeds: ["summary.headline.exceeds", "summary.withheld.exceeds"],
};
/** Past this many assets the headline offers a filter box. */
const FILTER_FROM = 8;

/** Why a manifest's signature is "invalid", by the first rule it broke (protocol/js/signature.js),
 *  for those the page words apart from "the manifest does not match its signature". */
const REFUSED = {
  "signing.pub": "summary.sigRefused.key",
  "signing.pub/format": "summary.sigRefused.privateKey",
  "snapshot.json.sig": "summary.sigRefused.signature",
  "key-not-canonical": "summary.sigRefused.weakKey",
  "key-not-on-curve": "summary.sigRefused.weakKey",
  "key-small-order": "summary.sigRefused.weakKey",
  length: "summary.sigRefused.form",
  "s-not-below-l": "summary.sigRefused.form",
  "r-not-canonical": "summary.sigRefused.form",
  "r-not-on-curve": "summary.sigRefused.form",
  "r-small-order": "summary.sigRefused.form",
};

/**
 * Ed25519 over the exact manifest bytes (spec §5 (The snapshot manifest)), by the rules of
 * `solvent verify` (protocol/js/signature.js: signing.pub and the signature read strictly,
 * then ed25519.verify's steps 1-4, then WebCrypto's equation): { state, key, why }.
 * "invalid" for any refusal, with a why; "unchecked" only where this browser cannot run the
 * equation (every other rule has been checked). `key` is the key that was checked, as hex,
 * or null when signing.pub holds none: what it holds is never shown (it may be a secret).
 */
export async function checkSignature(manifestBytes, sigText, keyText) {
  try {
    const result = await verifyManifestSignature(manifestBytes, sigText, keyText);
    const key = toHex(result.publicKey);
    if (result.checked) return { state: "valid", key };
    return { state: "unchecked", key, why: result.reason === "no-subtle" ? "summary.noSubtle" : "summary.noEd25519" };
  } catch (e) {
    if (!(e instanceof SolventError)) throw e;
    const { file, rule, public_key: key = null } = e.evidence;
    const why = REFUSED[e.code === "format" && file === "signing.pub" ? "signing.pub/format" : file ?? rule] ?? null;
    return { state: "invalid", key, why };
  }
}

export function renderSignature(result) {
  const keyLine = result.key
    ? el("span", { class: "sub" }, tx("summary.keyLine", { key: hashView(result.key, t("summary.keyWhat")) }))
    : el("span", { class: "sub" }, t("summary.keyHidden"));
  const cls = { valid: "pass", invalid: "fail" }[result.state] ?? "warn";
  const [badgeKey, whyKey] = SIG[result.state] ?? SIG.unchecked;
  // An invalid signature says which rule refused it; "unchecked" says why inside its sentence.
  const why = result.state === "invalid" && result.why ? t(result.why) : t(whyKey, { why: result.why ? t(result.why) : "" });
  const verdict = () => el("span", { class: `badge ${cls}` }, MARK[cls], t(badgeKey));
  $("signature-status").replaceChildren(verdict(), result.state === "valid" ? "" : why);
  $("signing-key").replaceChildren(verdict(), why, keyLine);
}

/** One asset's reserves per chain (observed, and declared apart), and off-chain holdings. */
function byChain(line, decimals) {
  const zero = formatUnits(0n, decimals);
  const items = Object.entries(line.by_chain ?? {}).map(([chain, c]) =>
    el("li", { "data-chain": chain }, el("span", { class: "chain", text: `${c.name ?? chain} ` }), amount(c.display.observed),
      c.display.declared !== zero ? el("span", { class: "sub" }, " + ", amount(c.display.declared), ` ${t("summary.declaredPart")}`) : null));
  const offchain = line.display.declared_offchain;
  if (offchain && offchain !== zero) {
    items.push(el("li", { "data-chain": "off-chain" }, el("span", { class: "chain", text: `${t("summary.offchain")} ` }),
      el("span", { class: "sub" }, amount(offchain), ` ${t("summary.declaredPart")}`)));
  }
  return items.length ? el("ul", { class: "by-chain", "aria-label": t("summary.perChain") }, items) : null;
}

/** How the balances were read, in the report's words: a reading at a chain's latest block
 *  (Tron, Solana keep no history) is never shown as one at the pinned block. */
function timingText(w) {
  if (w.timing === "declared") return t("summary.timing.declared");
  if (w.timing) {
    const time = w.observed ? "" : w.block?.time ?? "";
    return time ? t("summary.timing.readAt", { timing: w.timing, time }) : t("summary.timing.read", { timing: w.timing });
  }
  return w.block?.height !== undefined ? t("summary.timing.pinned", { height: String(w.block.height) }) : "";
}

function walletRow(w, decimals) {
  const holdings = w.balances.map((b) => {
    // How the balance counts (observed = re-read by the publisher's own node), and for a
    // token the contract it is held in, flagged when no verifier recognises it.
    const counted = b.counted_as === "observed" ? null : el("span", { class: "sub" }, ` ${b.counted_as ?? b.source}`);
    const contract = b.contract
      ? el("span", { class: "sub contract" }, tx(b.recognised_contract === false ? "summary.contractUnrecognised" : "summary.contract",
        { contract: shortHash(b.contract) }))
      : null;
    const exact = formatUnits(BigInt(b.amount), decimals.get(b.asset) ?? 0); // the amount reservesShown matched to reserves.json
    return el("li", { "data-asset": b.asset }, el("span", { class: "amount-line" }, amount(exact, b.asset)), counted, contract);
  });
  const latest = Boolean(w.observed) && w.timing !== "declared";
  const unchecked = w.valid && w.ownership_checked === false;
  const how = [el("span", { class: "method", text: w.method || w.scheme })];
  if (unchecked) how.unshift(el("strong", { class: "warn-text", text: t("summary.notChecked") }));
  if (w.ownership_note) how.push(el("span", { class: "sub", text: w.ownership_note }));
  if (w.key_bound === false) how.push(el("span", { class: "sub", text: w.key_binding }));
  let verdict;
  if (!w.valid) verdict = el("span", { class: "badge fail", title: w.error?.message ?? "" }, MARK.fail, t("summary.walletBadge.no"));
  else if (unchecked) verdict = el("span", { class: "badge warn", title: w.ownership_note ?? "" }, MARK.warn, t("summary.walletBadge.unchecked"));
  else verdict = el("span", { class: "badge pass" }, MARK.pass, t("summary.walletBadge.yes"));
  return el("tr", { "data-chain": w.chain, "data-address": w.address },
    el("td", { class: "chain" }, w.chain_name || w.chain),
    el("td", { class: "address" }, hashView(w.address, t("summary.addressWhat")), w.label ? el("span", { class: "sub", text: w.label }) : null),
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
function assetRow(asset, liabilities, line, withheld) {
  const zero = formatUnits(0n, asset.decimals);
  if (!line) {
    return el("tr", { "data-asset": asset.symbol },
      el("th", { scope: "row", text: asset.symbol }),
      cell("td", t("summary.cols.result"), { class: "result" },
        badge("muted", t(withheld ? "summary.withheldBadge" : "summary.noReservesBadge"), "")),
      cell("td", t("summary.cols.ratio"), { class: "num ratio muted", text: "—" }),
      cell("td", t("summary.cols.liabilities"), { class: "num" }, amount(liabilities)),
      cell("td", t("summary.cols.reserves"), { class: "num muted", text: "—" }));
  }
  const [cls, labelKey, whyKey] = STATUS[line.status] ?? ["fail", null, null];
  const label = labelKey ? t(labelKey) : line.status;
  const why = whyKey ? t(whyKey) : "";
  const reserves = [el("span", { class: "total" }, amount(line.display.observed_reserves))];
  if (line.display.declared !== zero) {
    reserves.push(el("span", { class: "sub" }, " + ", amount(line.display.declared), ` ${t("summary.declaredPart")}`));
  }
  reserves.push(byChain(line, asset.decimals));
  return el("tr", { "data-asset": asset.symbol, "data-status": line.status },
    el("th", { scope: "row", text: asset.symbol }),
    cell("td", t("summary.cols.result"), { class: "result" }, badge(cls, label, why)),
    cell("td", t("summary.cols.ratio"), { class: "num ratio" }, el("span", { class: "ratio-value", text: readableRatio(line.ratio) }),
      line.status === "DECLARED" ? el("span", { class: "sub" }, t("summary.withDeclared", { ratio: readableRatio(line.ratio_with_declared) })) : null),
    cell("td", t("summary.cols.liabilities"), { class: "num" }, amount(liabilities)),
    cell("td", t("summary.cols.reserves"), { class: "num reserves" }, reserves));
}

/** "104123.45%" -> "104,123.45%", "104.123,45 %" (es): the ratio as the report writes it, digits grouped for the locale. */
function readableRatio(ratio) {
  return formatPercent(ratio);
}

/** The answer in one sentence: how many assets are backed, and how the others stand. DECLARED is never counted as backed. */
function headline(statuses) {
  const n = statuses.length;
  if (statuses.every((s) => s === "NONE")) return t("summary.headline.none", { n });
  if (statuses.every((s) => s === "PASS")) return t("summary.headline.all", { n });
  const parts = ["PASS", "DECLARED", "FAIL", "NONE"]
    .map((k) => [k, statuses.filter((s) => s === k).length])
    .filter(([, count]) => count > 0)
    .map(([k, count], i) => (i === 0
      ? t("summary.headline.first", { k: count, n, what: t(COUNTS[k], { k: count }) })
      : t("summary.headline.next", { k: count, what: t(COUNTS[k], { k: count }) })));
  return t("summary.headline.joined", { parts: parts.join(t("summary.headline.separator")) });
}

/** The headline's filter box (many assets): rows whose symbol contains the text. */
function wireFilter(count, keep) {
  const row = $("asset-filter-row");
  const input = $("asset-filter");
  row.hidden = count <= FILTER_FROM;
  if (!keep) input.value = "";
  const apply = () => {
    const q = input.value.trim().toUpperCase();
    const rows = [...$("solvency-table").tBodies[0].rows];
    let shown = 0;
    for (const r of rows) {
      r.hidden = q !== "" && !r.dataset.asset.toUpperCase().includes(q);
      if (!r.hidden) shown += 1;
    }
    $("asset-filter-count").textContent = q ? t("summary.filterCount", { k: shown, n: rows.length }) : "";
    $("asset-filter-empty").hidden = shown > 0;
    $("asset-filter-empty").textContent = shown ? "" : t("summary.filterEmpty", { q: input.value.trim() });
  };
  input.oninput = apply;
  apply();
}

/** "Show exact amounts": every amount on the page as its exact decimal string, or readable again. */
export function wireExact(setExact) {
  const button = $("exact-amounts");
  const label = () => t(button.getAttribute("aria-pressed") === "true" ? "summary.exact.on" : "summary.exact.off");
  button.textContent = label();
  button.addEventListener("click", () => {
    const on = button.getAttribute("aria-pressed") !== "true";
    setExact(on);
    button.setAttribute("aria-pressed", String(on));
    button.textContent = label();
  });
  onLanguage(() => {
    button.textContent = label();
  });
}

/**
 * Whether summary.json's reserves verdicts may be shown, and why not (checked.js
 * backedVerdicts): "shown" only for a manifest whose signature this page checked valid
 * ("unsigned" otherwise), that binds reserves.json ("unbound"), whose per-asset liabilities
 * summary.json repeats exactly ("mismatch": the summary is not of the signed snapshot), and
 * whose reserves the signed reserves.json lists at least ("exceeds"; `listed`: checked.js
 * reservesOf). "none": nothing to show.
 */
export function reservesShown(manifest, summary, signature, listed = null) {
  const assets = Array.isArray(summary.assets) ? summary.assets : [];
  const claimed = assets.some((a) => a?.reserves) || Boolean(summary.solvency);
  const lines = assets.map((a) => ({
    symbol: a?.symbol,
    decimals: a?.decimals,
    liabilities: a?.liabilities,
    reserves: a?.reserves
      ? { observed: a.reserves.observed_reserves, declared: [a.reserves.declared_onchain, a.reserves.declared_offchain] }
      : null,
    claims: a?.reserves ?? null,
  }));
  const verdict = backedVerdicts(manifest, signature, lines, listed, summary.solvency ?? null);
  if (verdict === "unbound") return claimed ? "unbound" : "none";
  if (verdict === "shown" || verdict === "exceeds") return claimed ? verdict : "none";
  return verdict;
}

let drawn = null;

/**
 * The summary: liabilities and roots from the signed manifest; reserves verdicts from
 * summary.json only as reservesShown allows (`signature`: the page's own check of the
 * manifest; `listed`: what its signed reserves.json lists, checked.js reservesOf; `report`:
 * the `solvent report` line to re-check the verdicts, or null).
 */
export function renderSummary(manifest, summary, { signature = null, listed = null, report = null } = {}) {
  $("exchange-name").textContent = t("summary.title", { exchange: manifest.exchange });
  document.title = t("summary.docTitle", { exchange: manifest.exchange, sid: manifest.snapshotId });
  const when = formatDateTime(manifest.takenAt);
  $("snapshot-time").replaceChildren(el("time", { datetime: manifest.takenAt }, when));
  const v2 = manifest.version === 2;
  $("account-count").textContent = formatCount(v2 ? manifest.accounts : manifest.root.leafCount);
  $("root-hash-label").textContent = t(v2 ? "summary.rootsLabel" : "summary.rootLabel");
  if (v2) {
    const roots = el("ul", { class: "roots" }, manifest.assets.map((tree) =>
      el("li", { "data-asset": tree.symbol }, el("span", { class: "what", text: `${tree.symbol} ` }), hashView(toHex(tree.root.hash), t("summary.rootWhat", { symbol: tree.symbol })),
        el("span", { class: "sub", text: ` ${t("summary.holders", { n: tree.root.leafCount })}` }))));
    $("root-hash").replaceChildren(manifest.assets.length > 8
      ? el("details", {}, el("summary", { text: t("summary.roots", { n: manifest.assets.length }) }), roots) : roots);
  } else {
    $("root-hash").replaceChildren(hashView(toHex(manifest.root.hash), t("summary.rootLabel")));
  }

  const shown = reservesShown(manifest, summary, signature, listed);
  const withheld = shown !== "shown" && shown !== "none";
  const assets = Array.isArray(summary.assets) ? summary.assets : [];
  // What is drawn is worked out here from the amounts reservesShown checked, never the summary's text.
  const lines = new Map(shown === "shown" ? assets.filter((a) => a.reserves).map((a) => [a.symbol, drawnLine(a.reserves, a.decimals, a.symbol, listed)]) : []);
  const rows = manifest.assets.map((asset, i) =>
    assetRow(asset, formatUnits(v2 ? asset.root.sum : manifest.root.sums[i], asset.decimals), lines.get(asset.symbol), withheld));
  $("solvency-table").tBodies[0].replaceChildren(...rows);
  $("headline").textContent = withheld
    ? t(WITHHELD[shown][0], { n: manifest.assets.length })
    : headline(manifest.assets.map((a) => lines.get(a.symbol)?.status ?? "NONE"));
  wireFilter(rows.length, drawn === manifest); // drawn again (a new language): the filter stays
  drawn = manifest;

  const solvency = summary.solvency;
  if (shown !== "shown" || !solvency) {
    // The server assesses every reserves.json it serves (v1 and v2 alike) or refuses to start.
    $("reserves-note").textContent = t(withheld ? WITHHELD[shown][1] : "summary.noReserves");
    $("wallets-block").hidden = true;
    $("limits-block").hidden = true;
    return;
  }
  $("reserves-note").replaceChildren(t("summary.reservesNote"),
    ...(report ? [" ", ...tx("summary.reservesCommand", { command: el("code", { text: report }) })] : []));
  $("wallets-block").hidden = false;
  $("limits-block").hidden = false;
  const decimals = new Map(manifest.assets.map((a) => [a.symbol, a.decimals]));
  // One row per wallet: its chain, how its ownership was proven, how its balances were read
  // and every asset it holds.
  const list = (value) => (Array.isArray(value) ? value : []);
  const walletRows = list(solvency.wallets).map((w) => walletRow(w, decimals));
  for (const o of list(solvency.offchain)) {
    walletRows.push(el("tr", { "data-chain": "off-chain" },
      el("td", { class: "chain", text: t("summary.offchain") }),
      el("td", { class: "address" }, o.custodian, el("span", { class: "sub" }, ` ${o.note}`)),
      el("td", { class: "how" }, el("span", { class: "muted", text: t("summary.noOwnershipCheck") })),
      el("td", { class: "balances" }, el("ul", { class: "holdings" }, el("li", {}, el("span", { class: "amount-line" }, amount(formatUnits(BigInt(o.amount), decimals.get(o.asset) ?? 0), o.asset)),
        el("span", { class: "sub" }, ` ${t("summary.declaredPart")}`)))),
      el("td", { class: "verified" }, el("span", { class: "badge muted" }, t("summary.walletBadge.none")))));
  }
  $("wallets-table").tBodies[0].replaceChildren(...walletRows);
  $("wallets-summary").textContent = t("summary.wallets", { n: walletRows.length });
  $("limitations").replaceChildren(...list(solvency.limitations).slice(1).map((t) => el("li", { text: String(t).replace(/^- /, "") })));
}
