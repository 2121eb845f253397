// The page: pick a snapshot, show its summary, find a balance, re-verify the proof in
// the browser, draw the path and the tree, offer the data and the offline commands,
// and check a proof file the customer saved earlier. A v2 snapshot (one tree per asset)
// shows the customer's held assets first, and Check, View Full Tree and Download Data
// per asset; protocol/versions.js tells the versions apart.

import { openSource } from "./data.js";
import { getHasher } from "./protocol/hash.js";
import { balanceHead, holdingRows, showAll } from "./holdings.js";
import { pathItems, pathItemsV2 } from "./pathview.js";
import { MAX_PROOF_BYTES, formatUnits, parseHashedId, stripSpace, toHex } from "./protocol/parse.js";
import { liabilitiesFile, verifyOwnerV2 } from "./protocol/v2.js";
import { parseAnyManifest, verifyAnyProofBytes } from "./protocol/versions.js";
import { checkSignature, renderSignature, renderSummary, wireExact } from "./summary.js";
import { TreeView } from "./treeview.js";
import { $, amount, copyButton, el, evidenceList, setExact, show } from "./ui.js";
import { verifyOwnerV1 } from "./protocol/verify.js";

import("./history.js").catch(() => {}); // the history chart mounts itself; the page works without it

// Every word this module shows, in one place.
const TEXT = {
  loadingSnapshot: "Loading snapshot…",
  treeTitle: "View Full Tree",
  treeTitleOf: (symbol) => `View Full Tree — ${symbol}`,
  treeOption: (symbol, n) => `${symbol} · ${n} holders`,
  checkTitle: "Check",
  checkTitleOf: (symbol) => `Check — ${symbol}`,
  hasher: (name) => `${name} SHA-256`,
  notVerified: "✗ Not verified. ",
  verified: "✓ Verified in your browser. ",
  notAnchored: "! Consistent, but not anchored. ",
  v2How: (n, hasher) => `the proof has entries for ${n} asset${n === 1 ? "" : "s"}; for each, every hash from its leaf to that asset's root was recomputed in this browser (${hasher} SHA-256)`,
  v2Anchored: (sid, how) => `This account is included in snapshot ${sid}: ${how} and equals the root of the signed manifest. Every other asset is 0 for you: check that against your account.`,
  v2Unanchored: (sid, how) => `${how}; it equals the roots written inside the proof only. No manifest of snapshot ${sid} is published here. Compare the roots with the signed snapshot.json.`,
  v1How: (hasher) => `every hash from the leaf to the root was recomputed in this browser (${hasher} SHA-256)`,
  v1Anchored: (sid, how) => `This balance is included in snapshot ${sid}: ${how} and equals the root of the signed manifest, `,
  v1Unanchored: (sid, how) => `${how}; it equals the root written inside the proof only. No manifest of snapshot ${sid} is published here, so an exchange could have shown you a tree of your own. Compare the root with the signed snapshot.json.`,
  idEmpty: "Paste your Hashed Client ID: 64 hex digits, from your account page.",
  idBadDigit: (bad) => `A Hashed Client ID has only the digits 0–9 and letters a–f; “${bad}” is not one of them.`,
  idLength: (n) => `A Hashed Client ID has 64 hex digits; this one has ${n}.`,
  notFound: (sid) => `This id is not in this snapshot (${sid}). Check that you copied the whole id and picked the snapshot it belongs to.`,
  notLoaded: (message) => `The proof could not be loaded: ${message}`,
  proofNote: " your inclusion proof, exactly as verified above",
  secretFormat: "The user secret is 64 hex digits.",
  yours: "✓ This leaf is yours: its id was recomputed from your uid and secret.",
  notYours: "✗ Not yours. ",
  sha256: " · SHA-256 ",
  csvOf: (symbol) => ` ${symbol}: every holder's amount · SHA-256 `,
  csvsOf: (n) => `Liabilities per asset (${n} files; the digests are in the signed manifest)`,
  csvAll: " every account's balance (streamed) · SHA-256 ",
  csvDigestNote: " (the digest in the signed manifest)",
  proofFirst: "your proof (find your balance first)",
  manifestFiles: [" the signed manifest · ", " its signature · ", " the public key"],
  reservesFile: " the reserves attestation",
  treeFiles: (n) => `Tree files (${n}, needed by solvent audit)`,
  copyWhat: { digest: "SHA-256", command: "command" },
  kitButton: "Download the offline kit (zip)",
  kitWhat: " every file above in the folders solvent reads (public/), your proof once you found it, and solvent_verify.py: the commands below with Python alone, nothing to install",
  kitPreparing: (done, total) => `Preparing the kit… ${done} of ${total} files`,
  kitReady: (name) => `${name} is saved: unzip it and follow its README.txt.`,
  kitFailed: (message) => `The kit could not be made: ${message}`,
  cmdInstall: "Get solvent (Python 3.11 or later); or run the offline kit's solvent_verify.py, which takes the same verify and audit commands with Python alone:",
  cmdVerify: "Your proof, against the signed manifest (in the offline kit's folder; snapshot.json.sig beside snapshot.json):",
  cmdCsvs: "Each liabilities/<asset>.csv: its digest must be the one listed above",
  cmdCsv: (digest) => `liabilities.csv: the digest must be ${digest}…`,
  cmdAuditV2: "The whole snapshot (public/ of the offline kit: every file above in its folders): rebuilds every asset's tree from its CSV",
  cmdAudit: "The whole snapshot (public/ of the offline kit: every file above, tree/ included): rebuilds the tree from liabilities.csv",
  cmdReport: "Reserves against liabilities, per asset, counted as on this page (nothing was read on chain here: every balance counts as declared):",
  cmdReportNodes: (chains) => `Reserves against liabilities, per asset, counted as on this page: the server read ${chains.join(", ")} with its own nodes; give a node of your own for each (URL), or their balances count as declared (DECLARED, not Pass):`,
  fileSize: (name, size) => `${name} (${size} bytes)`,
  tooLarge: (max) => `the file is larger than ${max} bytes`,
  cols: { asset: "Asset", balance: "Balance" },
  fileBalances: "Balances in this proof file",
  pathOf: (symbol) => `Path of ${symbol}`,
  noSnapshot: "No snapshot is published here.",
  wrong: (message) => `Something went wrong: ${message}`,
};

const SECTIONS = ["summary", "lookup", "tree", "downloads", "verify-file"];
const state = { source: null, hasher: null, sid: null, manifest: null, summary: null, result: null, proofUrl: null, proof: null };
const manifests = new Map();

function status(text, cls = "") {
  const p = $("load-status");
  p.textContent = text;
  p.className = `status ${cls}`;
  p.hidden = !text;
}

async function manifestFor(sid) {
  if (!manifests.has(sid)) {
    const bytes = await state.source.file(sid, "snapshot.json");
    manifests.set(sid, { bytes, manifest: await parseAnyManifest(bytes, "snapshot.json", state.hasher) });
  }
  return manifests.get(sid);
}

async function selectSnapshot(sid) {
  state.sid = sid;
  state.result = null;
  state.proof = null;
  show("balance-result", false);
  show("check", false);
  $("hashed-id-error").textContent = "";
  status(TEXT.loadingSnapshot);
  const [{ bytes, manifest }, summary] = await Promise.all([manifestFor(sid), state.source.summary(sid)]);
  state.manifest = manifest;
  state.summary = summary;
  renderSummary(manifest, summary);
  SECTIONS.forEach((id) => show(id));
  renderDownloads();
  status("");
  const [sig, pub] = await Promise.all([state.source.file(sid, "snapshot.json.sig"), state.source.file(sid, "signing.pub")]);
  const decoder = new TextDecoder();
  renderSignature(await checkSignature(bytes, decoder.decode(sig), decoder.decode(pub)));
  const v2 = manifest.version === 2;
  $("tree-asset-label").hidden = !v2;
  if (!v2) {
    $("tree-title").textContent = TEXT.treeTitle;
    await state.tree.open(sid, manifest);
    return;
  }
  const pick = $("tree-asset");
  pick.replaceChildren(...manifest.assets.map((t) =>
    el("option", { value: t.symbol }, TEXT.treeOption(t.symbol, Number(t.root.leafCount).toLocaleString("en-US")))));
  const first = manifest.assets.find((t) => t.root.leafCount > 0n) ?? manifest.assets[0];
  await openTree(first.symbol);
}

/** View Full Tree of asset `symbol` (v2): the picker follows. */
async function openTree(symbol) {
  $("tree-asset").value = symbol;
  $("tree-title").textContent = TEXT.treeTitleOf(symbol);
  await state.tree.open(state.sid, state.manifest, symbol);
}

function resultBanner(target, result, error) {
  if (error) {
    target.className = "banner fail";
    const evidence = evidenceList(error.evidence);
    target.replaceChildren(
      el("strong", { text: TEXT.notVerified }),
      `${error.message} `,
      el("code", { text: `(${error.code ?? "error"})` }),
      ...(evidence ? [evidence] : []),
    );
    return;
  }
  if (result.version === 2) {
    const n = result.proof.entries.length;
    const how = TEXT.v2How(n, result.hasher);
    target.className = result.anchored ? "banner pass" : "banner warn";
    target.replaceChildren(...(result.anchored
      ? [el("strong", { text: TEXT.verified }), TEXT.v2Anchored(result.proof.snapshotId, how)]
      : [el("strong", { text: TEXT.notAnchored }), TEXT.v2Unanchored(result.proof.snapshotId, how)]));
    return;
  }
  const how = TEXT.v1How(result.hasher);
  if (result.anchored) {
    target.className = "banner pass";
    target.replaceChildren(
      el("strong", { text: TEXT.verified }),
      TEXT.v1Anchored(result.proof.snapshotId, how),
      el("code", { text: toHex(result.proof.root.hash) }),
      ".",
    );
  } else {
    target.className = "banner warn";
    target.replaceChildren(
      el("strong", { text: TEXT.notAnchored }),
      TEXT.v1Unanchored(result.proof.snapshotId, how),
    );
  }
}

function balanceRows(proof) {
  return proof.assets.map((a, i) =>
    el("tr", { "data-asset": a.symbol }, el("th", { scope: "row", text: a.symbol }),
      el("td", { class: "num balance", "data-label": TEXT.cols.balance }, amount(formatUnits(proof.leaf.amounts[i], a.decimals)))),
  );
}

/** Why a pasted id was refused (parseHashedId decides; this only words it for a customer). */
function idProblem(clean) {
  if (clean === "") return TEXT.idEmpty;
  const bad = [...clean].find((c) => !/[0-9a-fA-F]/.test(c));
  if (bad !== undefined) return TEXT.idBadDigit(bad);
  return TEXT.idLength([...clean].length);
}

async function findBalance(event) {
  event.preventDefault();
  const input = $("hashed-id");
  const stripped = stripSpace(input.value);
  let clean = null;
  try {
    clean = toHex(parseHashedId(stripped));
  } catch (e) {
    if (e.code !== "hex") throw e;
  }
  const problem = clean === null ? idProblem(stripped) : null;
  $("hashed-id-error").textContent = problem ?? "";
  input.setAttribute("aria-invalid", problem ? "true" : "false");
  show("balance-result", false);
  show("check", false);
  if (problem) return;
  $("find-button").disabled = true;
  try {
    let bytes;
    try {
      bytes = await state.source.proofBytes(state.sid, clean);
    } catch (e) {
      $("hashed-id-error").textContent =
        e.code === "not-found"
          ? TEXT.notFound(state.manifest.snapshotId)
          : TEXT.notLoaded(e.message);
      return;
    }
    const manifest = state.manifest;
    let result = null;
    let error = null;
    try {
      result = await verifyAnyProofBytes(state.hasher, bytes, manifest, { name: "proof", askedFor: clean });
    } catch (e) {
      error = e;
    }
    state.result = result;
    resultBanner($("verify-banner"), result, error);
    const v2 = manifest.version === 2;
    balanceHead(v2 ? 2 : 1);
    const rows = !result ? [] : v2 ? holdingRows(result, { check: (s) => checkAsset(s).catch(fatal), tree: (s) => viewTree(s).catch(fatal), fileUrl: (n) => state.source.fileUrl(state.sid, n) }) : balanceRows(result.proof);
    $("balance-table").tBodies[0].replaceChildren(...rows);
    $("check-button").hidden = !result || v2;
    if (v2 && result) showAll(false);
    else {
      $("show-all-assets").hidden = true;
      $("zero-assets").hidden = true;
    }
    show("balance-result");
    setProofDownload(bytes, clean);
    if (result) {
      // v1: the one path; v2: each held asset's path is drawn by its own Check (checkAsset).
      $("path-view").replaceChildren(...(v2 ? [] : pathItems(result)));
      $("owner-result").textContent = "";
    }
  } finally {
    $("find-button").disabled = false;
  }
}

function setProofDownload(bytes, idHex) {
  if (state.proofUrl) URL.revokeObjectURL(state.proofUrl);
  state.proofUrl = URL.createObjectURL(new Blob([bytes], { type: "application/json" }));
  const link = $("proof-download");
  link.href = state.proofUrl;
  link.download = `proof-${idHex.slice(0, 16)}.json`;
  link.removeAttribute("aria-disabled");
  link.textContent = `proof-${idHex.slice(0, 16)}.json`;
  state.proof = { bytes, name: `proof-${idHex.slice(0, 16)}.json` }; // the offline kit's copy
  $("proof-download-note").textContent = TEXT.proofNote;
}

async function showCheck() {
  show("check");
  $("check-title").textContent = TEXT.checkTitle;
  $("hasher-name").textContent = TEXT.hasher(state.hasher.name);
  $("check").scrollIntoView({ behavior: "instant", block: "start" });
  if (state.result) await state.tree.reveal(state.result.proof.leaf.index);
}

/** v2: Check one held asset: the path of its entry (every sibling), and its tree opened to the leaf. */
async function checkAsset(symbol) {
  const result = state.result;
  if (!result) return;
  $("path-view").replaceChildren(...pathItemsV2(result, symbol));
  $("check").dataset.asset = symbol;
  $("check-title").textContent = TEXT.checkTitleOf(symbol);
  $("owner-result").textContent = "";
  show("check");
  $("hasher-name").textContent = TEXT.hasher(state.hasher.name);
  $("check").scrollIntoView({ behavior: "instant", block: "start" });
  await viewTree(symbol, false);
}

/** v2: View Full Tree of one asset; the customer's leaf is marked when the asset is held. */
async function viewTree(symbol, scroll = true) {
  await openTree(symbol);
  const entry = state.result?.proof.entries?.find((e) => e.symbol === symbol);
  if (entry) await state.tree.reveal(entry.index);
  if (scroll) $("tree").scrollIntoView({ behavior: "instant", block: "start" });
}

async function checkOwner(event) {
  event.preventDefault();
  const out = $("owner-result");
  if (!state.result) return;
  const uid = $("owner-uid").value;
  const secret = $("owner-secret").value.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(secret)) {
    out.className = "banner fail";
    out.textContent = TEXT.secretFormat;
    return;
  }
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i += 1) bytes[i] = parseInt(secret.slice(2 * i, 2 * i + 2), 16);
  try {
    const { proof } = state.result;
    if (state.result.version === 2) await verifyOwnerV2(state.hasher, proof.hashedId, bytes, proof.snapshotId, uid);
    else await verifyOwnerV1(state.hasher, proof.leaf.hashedId, bytes, proof.snapshotId, uid);
    out.className = "banner pass";
    out.textContent = TEXT.yours;
  } catch (e) {
    out.className = "banner fail";
    out.replaceChildren(el("strong", { text: TEXT.notYours }), e.message, " ", el("code", { text: `(${e.code ?? "error"})` }));
  }
}

function renderDownloads() {
  const { manifest, sid, source } = state;
  const v2 = manifest.version === 2;
  const csvDigest = manifest.files.get("liabilities.csv") ?? "";
  const key = state.summary.signing_key;
  const link = (name, label = name) => el("a", { href: source.fileUrl(sid, name), download: name.split("/").pop() }, label);
  const digest = (d, id) => el("span", { class: "hash" }, el("code", { id, text: d }), copyButton(d, TEXT.copyWhat.digest));
  const csvs = v2
    ? manifest.assets.map((t) => el("li", { "data-asset": t.symbol }, link(liabilitiesFile(t.symbol)),
      TEXT.csvOf(t.symbol), digest(manifest.files.get(liabilitiesFile(t.symbol)) ?? "")))
    : [];
  const items = [
    v2
      ? el("li", {}, el("details", { open: manifest.assets.length <= 8 },
        el("summary", { text: TEXT.csvsOf(manifest.assets.length) }),
        el("ul", { id: "asset-csvs" }, csvs)))
      : el("li", {}, link("liabilities.csv"), TEXT.csvAll, digest(csvDigest, "csv-sha256"),
        el("span", { class: "sub" }, TEXT.csvDigestNote)),
    el("li", {}, el("a", { id: "proof-download", "aria-disabled": "true", text: TEXT.proofFirst }),
      el("span", { id: "proof-download-note", class: "sub" })),
    el("li", {}, link("snapshot.json"), TEXT.manifestFiles[0], link("snapshot.json.sig"), TEXT.manifestFiles[1], link("signing.pub"), TEXT.manifestFiles[2]),
  ];
  if (manifest.files.has("reserves.json")) items.push(el("li", {}, link("reserves.json"), TEXT.reservesFile));
  const treeFiles = [...manifest.files.keys()].filter((n) => n.startsWith("tree/")).sort();
  if (treeFiles.length) {
    items.push(el("li", {}, el("details", {}, el("summary", { text: TEXT.treeFiles(treeFiles.length) }),
      el("ul", {}, treeFiles.map((n) => el("li", {}, link(n)))))));
  }
  items.unshift(el("li", { id: "kit-item" },
    el("button", { type: "button", id: "kit-download", text: TEXT.kitButton }),
    el("span", { class: "sub", text: TEXT.kitWhat }),
    el("p", { id: "kit-status", class: "sub", role: "status" })));
  $("download-list").replaceChildren(...items);
  $("kit-download").addEventListener("click", () => downloadKit().catch((e) => {
    $("kit-status").textContent = TEXT.kitFailed(e.message ?? e);
    $("kit-download").disabled = false;
  }));
  const cmd = (text, what) => el("li", {}, el("span", { class: "what", text: what }), el("span", { class: "hash" }, el("code", { text }), copyButton(text, TEXT.copyWhat.command)));
  const report = reportCommand();
  $("commands").replaceChildren(
    cmd("pip install solvent", TEXT.cmdInstall),
    cmd(`solvent verify proof-<id>.json --snapshot public/snapshot.json --public-key ${key}`, TEXT.cmdVerify),
    v2
      ? cmd("sha256sum public/liabilities/*.csv", TEXT.cmdCsvs)
      : cmd(`sha256sum public/liabilities.csv`, TEXT.cmdCsv(csvDigest.slice(0, 16))),
    cmd(`solvent audit public --public-key ${key}`, v2 ? TEXT.cmdAuditV2 : TEXT.cmdAudit),
    ...(report ? [cmd(report.line, report.what)] : []),
  );
}

/**
 * `solvent report` as the server checked the reserves: a --node for every chain it read with its
 * own nodes (the URL is the customer's own), and the options that changed what counts; null
 * without reserves.
 */
function reportCommand() {
  const how = state.summary.solvency?.checked_with;
  if (!state.manifest.files.has("reserves.json") || !how) return null;
  const words = ["solvent", "report", "public", "--public-key", state.summary.signing_key];
  for (const chain of how.node_chains) words.push("--node", `${chain}=URL`);
  words.push(...how.options);
  const chains = how.node_chains;
  return {
    line: words.join(" "),
    what: chains.length ? TEXT.cmdReportNodes(chains) : TEXT.cmdReport,
  };
}

/** The offline kit (js/kit.js, loaded now): the files, the proof as verified, the verifier. */
async function downloadKit() {
  const button = $("kit-download");
  const out = $("kit-status");
  button.disabled = true;
  const { makeKit, save } = await import("./kit.js");
  const report = reportCommand();
  const blob = await makeKit({
    source: state.source,
    sid: state.sid,
    manifest: state.manifest,
    key: state.summary.signing_key,
    proof: state.proof,
    report: report && { line: report.line, note: [report.what] },
    progress: (done, total) => { out.textContent = TEXT.kitPreparing(done, total); },
  });
  const name = `solvent-kit-${state.sid}.zip`;
  save(blob, name);
  out.textContent = TEXT.kitReady(name);
  button.disabled = false;
}

async function verifyFile(file) {
  const out = $("file-result");
  const banner = el("p", { class: "banner" });
  out.replaceChildren(el("p", { class: "sub", text: TEXT.fileSize(file.name, file.size) }), banner);
  let bytes;
  if (file.size > MAX_PROOF_BYTES) {
    resultBanner(banner, null, { message: TEXT.tooLarge(MAX_PROOF_BYTES), code: "too-large" });
    return;
  }
  bytes = new Uint8Array(await file.arrayBuffer());
  let manifest = null;
  try {
    const peek = (() => {
      try {
        return JSON.parse(new TextDecoder().decode(bytes)).snapshot_id;
      } catch (e) {
        return undefined;
      }
    })();
    const listed = state.snapshots.some((s) => s.snapshot_id === peek);
    if (listed) manifest = (await manifestFor(peek)).manifest;
    const result = await verifyAnyProofBytes(state.hasher, bytes, manifest, { name: file.name });
    resultBanner(banner, result, null);
    const head = el("thead", {}, el("tr", {}, el("th", { scope: "col", text: TEXT.cols.asset }), el("th", { scope: "col", class: "num", text: TEXT.cols.balance })));
    const table = (rows) => el("table", { class: "stack" }, el("caption", { class: "sr-only", text: TEXT.fileBalances }), head, el("tbody", {}, rows));
    if (result.version === 2) {
      const held = result.balances.filter((b) => b.held).map((b) =>
        el("tr", { "data-asset": b.symbol }, el("th", { scope: "row", text: b.symbol }),
          el("td", { class: "num balance", "data-label": TEXT.cols.balance }, amount(formatUnits(b.amount, b.decimals)))));
      out.append(table(held),
        ...result.proof.entries.map((e) => el("details", {}, el("summary", { text: TEXT.pathOf(e.symbol) }),
          el("ol", { class: "path", reversed: true }, pathItemsV2(result, e.symbol)))));
    } else {
      out.append(
        table(balanceRows(result.proof)),
        el("ol", { class: "path", reversed: true }, pathItems(result)),
      );
    }
  } catch (e) {
    resultBanner(banner, null, e);
  }
}

function wireFileDrop() {
  const zone = $("drop-zone");
  $("proof-file").addEventListener("change", (e) => {
    if (e.target.files.length) verifyFile(e.target.files[0]);
  });
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer?.files.length) verifyFile(e.dataTransfer.files[0]);
  });
}

async function main() {
  const params = new URLSearchParams(location.search);
  state.hasher = await getHasher(params.get("hash") ?? undefined);
  state.source = openSource(state.hasher);
  state.tree = new TreeView($("tree-view"), $("tree-note"), state.source);
  state.snapshots = await state.source.snapshots();
  const select = $("snapshot-select");
  select.replaceChildren(...state.snapshots.map((s) =>
    el("option", { value: s.snapshot_id }, `${s.taken_at.replace("T", " ").replace("Z", " UTC")} · ${s.snapshot_id}`)));
  if (!state.snapshots.length) {
    status(TEXT.noSnapshot, "fail");
    return;
  }
  const wanted = new URLSearchParams(location.hash.slice(1)).get("snapshot");
  const first = state.snapshots.some((s) => s.snapshot_id === wanted) ? wanted : state.snapshots[0].snapshot_id;
  select.value = first;
  select.addEventListener("change", () => {
    history.replaceState(null, "", `#snapshot=${encodeURIComponent(select.value)}`);
    selectSnapshot(select.value).catch(fatal);
  });
  $("lookup-form").addEventListener("submit", (e) => findBalance(e).catch(fatal));
  $("check-button").addEventListener("click", () => showCheck().catch(fatal));
  $("owner-form").addEventListener("submit", (e) => checkOwner(e).catch(fatal));
  $("expand-level").addEventListener("click", () => state.tree.expandLevel().catch(fatal));
  $("collapse-all").addEventListener("click", () => state.tree.collapse());
  $("tree-asset").addEventListener("change", () => viewTree($("tree-asset").value, false).catch(fatal));
  $("show-all-assets").addEventListener("click", () => showAll($("show-all-assets").getAttribute("aria-pressed") !== "true"));
  wireFileDrop();
  wireExact(setExact);
  await selectSnapshot(first);
  document.body.dataset.ready = "true";
}

function fatal(e) {
  status(TEXT.wrong(e.message ?? e), "fail");
  document.body.dataset.ready = "error";
}

main().catch(fatal);
