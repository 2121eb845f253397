// The top of the page: snapshot time, Merkle root, accounts, per-asset liabilities
// against reserves (pass / fail), cold wallets, and the manifest signature checked in
// the browser where it can be (WebCrypto Ed25519), never claimed where it cannot.
//
// Liabilities, root and account count are read from the manifest bytes this page parsed
// itself; reserves and wallet checks come from the publisher's solvent (re-check them
// offline with `solvent report`), and say so.

import { fromHex, formatUnits, toHex } from "./protocol/parse.js";
import { $, el, hashView, shortHash } from "./ui.js";

const STATUS = {
  PASS: ["pass", "Pass", "reserves cover liabilities"],
  DECLARED: ["warn", "Declared only", "covered only with amounts the exchange declared and nobody checked"],
  FAIL: ["fail", "Fail", "reserves do not cover liabilities"],
};

/** Ed25519 over the exact manifest bytes (spec §5 (The snapshot manifest)); "unchecked" where the browser cannot. */
export async function checkSignature(manifestBytes, sigText, keyText) {
  const subtle = globalThis.crypto?.subtle;
  const key = keyText.trim();
  if (!subtle) return { state: "unchecked", key, why: "this page is not in a secure context" };
  let cryptoKey;
  try {
    cryptoKey = await subtle.importKey("raw", fromHex(key), { name: "Ed25519" }, false, ["verify"]);
  } catch (e) {
    return { state: "unchecked", key, why: "this browser has no Ed25519" };
  }
  const sig = sigText.trim();
  const ok = /^[0-9a-f]{128}$/.test(sig) && (await subtle.verify({ name: "Ed25519" }, cryptoKey, fromHex(sig), manifestBytes));
  return { state: ok ? "valid" : "invalid", key };
}

export function renderSignature(result) {
  const dd = $("signature-status");
  const keyLine = el("span", { class: "sub" }, "Key ", hashView(result.key, "public key"),
    " — compare it with the key the exchange publishes elsewhere (its website, an auditor's report).");
  if (result.state === "valid") {
    dd.replaceChildren(el("span", { class: "badge pass" }, "Valid"), " checked in your browser. ", keyLine);
  } else if (result.state === "invalid") {
    dd.replaceChildren(el("span", { class: "badge fail" }, "Invalid"), " the manifest does not match its signature. ", keyLine);
  } else {
    dd.replaceChildren(el("span", { class: "badge warn" }, "Not checked here"), ` (${result.why}); check it offline below. `, keyLine);
  }
}

/** The words for a wallet whose ownership proof lives on chain (ERC-1271) and was not checked. */
const NOT_CHECKED = "ownership NOT checked (needs a node)";

/** One asset's reserves per chain (observed, and declared apart), and off-chain holdings. */
function byChain(line, decimals) {
  const zero = formatUnits(0n, decimals);
  const items = Object.entries(line.by_chain ?? {}).map(([chain, c]) =>
    el("li", { "data-chain": chain }, el("span", { class: "chain", text: `${c.name ?? chain} ` }), c.display.observed,
      c.display.declared !== zero ? el("span", { class: "sub" }, ` + ${c.display.declared} declared`) : null));
  const offchain = line.display.declared_offchain;
  if (offchain && offchain !== zero) {
    items.push(el("li", { "data-chain": "off-chain" }, el("span", { class: "chain", text: "off-chain " }),
      el("span", { class: "sub" }, `${offchain} declared`)));
  }
  return items.length ? el("ul", { class: "by-chain", "aria-label": "per chain" }, items) : null;
}

/** How the balances were read, in the report's words: a reading at a chain's latest block
 *  (Tron, Solana keep no history) is never shown as one at the pinned block. */
function timingText(w) {
  if (w.timing === "declared") return "balances declared, not read on chain";
  if (w.timing) return `balances ${w.timing}${w.observed ? "" : w.block?.time ? ` (${w.block.time})` : ""}`;
  return w.block?.height !== undefined ? `pinned block ${w.block.height}` : "";
}

function walletRow(w, decimals) {
  const holdings = w.balances.map((b) => {
    // How the balance counts (observed = re-read by the publisher's own node), and for a
    // token the contract it is held in, flagged when no verifier recognises it.
    const counted = b.counted_as === "observed" ? null : el("span", { class: "sub" }, ` ${b.counted_as ?? b.source}`);
    const contract = b.contract
      ? el("span", { class: "sub contract" }, "contract ", shortHash(b.contract),
        b.recognised_contract === false ? " (unrecognised)" : "")
      : null;
    return el("li", { "data-asset": b.asset },
      el("span", { class: "amount", text: `${b.display ?? formatUnits(BigInt(b.amount), decimals.get(b.asset) ?? 0)} ${b.asset}` }),
      counted, contract);
  });
  const latest = Boolean(w.observed) && w.timing !== "declared";
  const unchecked = w.valid && w.ownership_checked === false;
  const how = [el("span", { class: "method", text: w.method || w.scheme })];
  if (unchecked) how.unshift(el("strong", { class: "warn-text", text: NOT_CHECKED }));
  if (w.ownership_note) how.push(el("span", { class: "sub", text: w.ownership_note }));
  if (w.key_bound === false) how.push(el("span", { class: "sub", text: w.key_binding }));
  let badge;
  if (!w.valid) badge = el("span", { class: "badge fail", title: w.error?.message ?? "" }, "✗ No");
  else if (unchecked) badge = el("span", { class: "badge warn", title: w.ownership_note ?? "" }, "! Not checked");
  else badge = el("span", { class: "badge pass" }, "✓ Yes");
  return el("tr", { "data-chain": w.chain, "data-address": w.address },
    el("td", { class: "chain" }, w.chain_name || w.chain),
    el("td", { class: "address" }, hashView(w.address, "address"), w.label ? el("span", { class: "sub", text: w.label }) : null),
    el("td", { class: "how" }, how),
    el("td", { class: "balances" }, el("span", { class: latest ? "timing latest" : "timing sub", text: timingText(w) }),
      el("ul", { class: "holdings" }, holdings)),
    el("td", { class: "verified" }, badge));
}

export function renderSummary(manifest, summary) {
  $("exchange-name").textContent = `${manifest.exchange} — Proof of Reserves`;
  document.title = `${manifest.exchange} Proof of Reserves — ${manifest.snapshotId}`;
  $("snapshot-time").replaceChildren(el("time", { datetime: manifest.takenAt }, manifest.takenAt.replace("T", " ").replace("Z", " UTC")), el("span", { class: "sub" }, ` snapshot ${manifest.snapshotId}`));
  const v2 = manifest.version === 2;
  $("account-count").textContent = Number(v2 ? manifest.accounts : manifest.root.leafCount).toLocaleString("en-US");
  $("root-hash-label").textContent = v2 ? "Merkle root hashes (one tree per asset)" : "Merkle root hash";
  if (v2) {
    const roots = el("ul", { class: "roots" }, manifest.assets.map((t) =>
      el("li", { "data-asset": t.symbol }, el("span", { class: "what", text: `${t.symbol} ` }), hashView(toHex(t.root.hash), `${t.symbol} root hash`),
        el("span", { class: "sub", text: ` ${Number(t.root.leafCount).toLocaleString("en-US")} holders` }))));
    $("root-hash").replaceChildren(manifest.assets.length > 8
      ? el("details", {}, el("summary", { text: `${manifest.assets.length} roots` }), roots) : roots);
  } else {
    $("root-hash").replaceChildren(hashView(toHex(manifest.root.hash), "Merkle root hash"));
  }

  const lines = new Map((summary.assets ?? []).map((a) => [a.symbol, a.reserves]));
  const rows = manifest.assets.map((asset, i) => {
    const liabilities = formatUnits(v2 ? asset.root.sum : manifest.root.sums[i], asset.decimals);
    const line = lines.get(asset.symbol);
    if (!line) {
      return el("tr", {}, el("th", { scope: "row", text: asset.symbol }), el("td", { class: "num", text: liabilities }),
        el("td", { class: "num muted", text: "—" }), el("td", { class: "num muted", text: "—" }),
        el("td", {}, el("span", { class: "badge muted" }, "No reserves published")));
    }
    const [cls, label, why] = STATUS[line.status] ?? ["fail", line.status, ""];
    const reserves = [el("span", { text: line.display.observed_reserves })];
    if (line.display.declared !== formatUnits(0n, asset.decimals)) {
      reserves.push(el("span", { class: "sub" }, ` + ${line.display.declared} declared`));
    }
    reserves.push(byChain(line, asset.decimals));
    return el("tr", { "data-status": line.status },
      el("th", { scope: "row", text: asset.symbol }),
      el("td", { class: "num", text: liabilities }),
      el("td", { class: "num" }, reserves),
      el("td", { class: "num" }, line.ratio,
        line.status === "DECLARED" ? el("span", { class: "sub" }, `${line.ratio_with_declared} with declared`) : null),
      el("td", {}, el("span", { class: `badge ${cls}`, title: why }, cls === "pass" ? "✓ " : cls === "fail" ? "✗ " : "! ", label),
        el("span", { class: "sr-only" }, `: ${why}`)));
  });
  $("solvency-table").tBodies[0].replaceChildren(...rows);

  const solvency = summary.solvency;
  if (!solvency) {
    // The server assesses every reserves.json it serves (v1 and v2 alike) or refuses to start.
    $("reserves-note").textContent = "This snapshot has no reserves attestation: only liabilities are published.";
    $("wallets-block").hidden = true;
    return;
  }
  $("reserves-note").textContent =
    "Reserves: observed on chain at the pinned block (on chains whose nodes keep no history, at their latest block, " +
    "as each wallet says), from wallets whose ownership was verified. " +
    "Checked by the publisher's solvent; re-check them yourself with the command below.";
  $("wallets-block").hidden = false;
  const decimals = new Map(manifest.assets.map((a) => [a.symbol, a.decimals]));
  // One row per wallet: its chain, how its ownership was proven, how its balances were read
  // and every asset it holds.
  const walletRows = solvency.wallets.map((w) => walletRow(w, decimals));
  for (const o of solvency.offchain) {
    walletRows.push(el("tr", { "data-chain": "off-chain" },
      el("td", { class: "chain", text: "off-chain" }),
      el("td", { class: "address" }, o.custodian, el("span", { class: "sub" }, ` ${o.note}`)),
      el("td", { class: "how" }, el("span", { class: "muted", text: "none possible" })),
      el("td", { class: "balances" }, el("ul", { class: "holdings" }, el("li", {}, el("span", { class: "amount", text: `${o.display} ${o.asset}` }),
        el("span", { class: "sub" }, " declared")))),
      el("td", { class: "verified" }, el("span", { class: "badge muted" }, "n/a"))));
  }
  $("wallets-table").tBodies[0].replaceChildren(...walletRows);
  $("limitations").replaceChildren(...solvency.limitations.slice(1).map((t) => el("li", { text: t.replace(/^- /, "") })));
}
