// The page: pick a snapshot, show its summary, find a balance, re-verify the proof in
// the browser, draw the path and the tree, offer the data and the offline commands,
// and check a proof file the customer saved earlier. A v2 snapshot (one tree per asset)
// shows the customer's held assets first, and Check, View Full Tree and Download Data
// per asset; protocol/versions.js tells the versions apart.

import { CheckedSnapshots } from "./checked.js";
import { openSource } from "./data.js";
import { getHasher } from "./protocol/hash.js";
import { MAX_PROOF_BYTES, formatUnits, parseHashedId, stripSpace, toHex } from "./protocol/parse.js";
import { liabilitiesFile, verifyOwnerV2 } from "./protocol/v2.js";
import { verifyAnyProofBytes } from "./protocol/versions.js";
import { checkSignature, renderSignature, renderSummary, wireExact } from "./summary.js";
import { formatDateTime, onLanguage, t, tx } from "./i18n.js";
import { TreeView } from "./treeview.js";
import { $, amount, copyButton, el, evidenceList, setExact, show } from "./ui.js";
import { verifyOwnerV1 } from "./protocol/verify.js";

// Every word this module shows is in the message catalogue (static/i18n/), under "app.".

const SECTIONS = ["summary", "lookup", "tree", "downloads", "verify-file"];
const state = { source: null, hasher: null, checked: null, sid: null, manifest: null, summary: null, signature: null, result: null, proofUrl: null, proof: null };
// How each part of the page drawn from data draws itself again in a new language: the
// language menu re-renders the page in place, without a reload (onLanguage below).
const redraw = new Map();
function live(area, draw) {
  redraw.set(area, draw);
  draw();
}
onLanguage(() => {
  for (const draw of redraw.values()) draw();
  state.tree?.relabel();
});

/**
 * What draws a look-up's result (holdings.js: the balance rows; pathview.js: the path to the
 * root), loaded at the first look-up: nothing before it needs them (the page's weight).
 */
let views = null;
function resultViews() {
  views ??= Promise.all([import("./holdings.js"), import("./pathview.js")]).then(([h, p]) => ({ ...h, ...p }));
  views.catch(() => {
    views = null;
  });
  return views;
}

function status(text, cls = "") {
  const p = $("load-status");
  p.textContent = text;
  p.className = `status ${cls}`;
  p.hidden = !text;
}

/** The key the page checked the manifest's signature valid with (signing.pub, hex), for the commands to pin; KEY otherwise. */
function checkedKey() {
  const key = state.signature?.state === "valid" ? state.signature.key : "";
  return /^[0-9a-f]{64}$/.test(key) ? key : "KEY";
}

async function selectSnapshot(sid) {
  state.sid = sid;
  state.result = null;
  state.proof = null;
  show("balance-result", false);
  show("check", false);
  for (const area of ["id-error", "result", "check", "owner", "proof"]) redraw.delete(area);
  $("hashed-id-error").textContent = "";
  status(t("app.loadingSnapshot"));
  // The manifest, its signature check (over the same bytes: checked.js), what its signed
  // reserves.json lists, and the publisher's summary, all of this one snapshot.
  const [{ manifest, signature }, answered, listed] = await Promise.all([
    state.checked.both(sid), state.source.summary(sid), state.checked.reservesOf(sid)]);
  // The publisher's summary is not signed: anything but an object is no summary at all.
  const summary = answered !== null && typeof answered === "object" && !Array.isArray(answered) ? answered : {};
  if (state.sid !== sid) return; // another snapshot was chosen meanwhile: its load draws the page
  state.manifest = manifest;
  state.summary = summary;
  state.signature = signature;
  live("summary", () => renderSummary(manifest, summary, { signature, listed, report: reportCommand()?.line ?? null }));
  SECTIONS.forEach((id) => show(id));
  live("downloads", renderDownloads);
  status("");
  live("signature", () => renderSignature(signature));
  const v2 = manifest.version === 2;
  $("tree-asset-label").hidden = !v2;
  if (!v2) {
    live("tree-head", () => {
      $("tree-title").textContent = t("app.treeTitle");
    });
    await state.tree.open(sid, manifest);
    return;
  }
  const pick = $("tree-asset");
  pick.replaceChildren();
  live("tree-head", () => {
    const chosen = pick.value;
    pick.replaceChildren(...manifest.assets.map((a) =>
      el("option", { value: a.symbol }, t("app.treeOption", { symbol: a.symbol, n: a.root.leafCount }))));
    if (chosen) {
      pick.value = chosen;
      $("tree-title").textContent = t("app.treeTitleOf", { symbol: chosen });
    }
  });
  const first = manifest.assets.find((a) => a.root.leafCount > 0n) ?? manifest.assets[0];
  await openTree(first.symbol);
}

/** View Full Tree of asset `symbol` (v2): the picker follows. */
async function openTree(symbol) {
  $("tree-asset").value = symbol;
  $("tree-title").textContent = t("app.treeTitleOf", { symbol });
  await state.tree.open(state.sid, state.manifest, symbol);
}

/**
 * The banner of a proof checked against a manifest (`result.anchored`): "verified" only when
 * this page's own check of that manifest's signature (`signature`) came out valid; a manifest
 * whose signature is invalid fails; one the browser could not check is at most "consistent,
 * but not anchored". Never "the signed manifest" otherwise.
 */
function resultBanner(target, result, error, signature = null) {
  if (error) {
    target.className = "banner fail";
    const evidence = evidenceList(error.evidence);
    target.replaceChildren(
      el("strong", { text: t("app.notVerified") }),
      `${error.message} `,
      el("code", { text: `(${error.code ?? "error"})` }),
      ...(evidence ? [evidence] : []),
    );
    return;
  }
  if (result.anchored && signature?.state !== "valid") {
    const sid = result.proof.snapshotId;
    const how = result.version === 2
      ? t("app.v2How", { n: result.proof.entries.length, hasher: result.hasher })
      : t("app.v1How", { hasher: result.hasher });
    if (signature?.state === "invalid") {
      target.className = "banner fail";
      target.replaceChildren(el("strong", { text: t("app.notVerified") }), t("app.sigInvalidProof", { sid, how }));
    } else {
      target.className = "banner warn";
      target.replaceChildren(el("strong", { text: t("app.notAnchored") }),
        t("app.sigUncheckedProof", { sid, how, why: signature?.why ? t(signature.why) : t("app.sigNotChecked") }));
    }
    return;
  }
  if (result.version === 2) {
    const n = result.proof.entries.length;
    const how = t("app.v2How", { n, hasher: result.hasher });
    target.className = result.anchored ? "banner pass" : "banner warn";
    target.replaceChildren(...(result.anchored
      ? [el("strong", { text: t("app.verified") }), t("app.v2Anchored", { sid: result.proof.snapshotId, how })]
      : [el("strong", { text: t("app.notAnchored") }), t("app.v2Unanchored", { sid: result.proof.snapshotId, how })]));
    return;
  }
  const how = t("app.v1How", { hasher: result.hasher });
  if (result.anchored) {
    target.className = "banner pass";
    target.replaceChildren(
      el("strong", { text: t("app.verified") }),
      ...tx("app.v1Anchored", { sid: result.proof.snapshotId, how, root: el("code", { text: toHex(result.proof.root.hash) }) }),
    );
  } else {
    target.className = "banner warn";
    target.replaceChildren(
      el("strong", { text: t("app.notAnchored") }),
      t("app.v1Unanchored", { sid: result.proof.snapshotId, how }),
    );
  }
}

function balanceRows(proof) {
  return proof.assets.map((a, i) =>
    el("tr", { "data-asset": a.symbol }, el("th", { scope: "row", text: a.symbol }),
      el("td", { class: "num balance", "data-label": t("app.cols.balance") }, amount(formatUnits(proof.leaf.amounts[i], a.decimals)))),
  );
}

/** Why a pasted id was refused (parseHashedId decides; this only words it for a customer). */
function idProblem(clean) {
  if (clean === "") return t("app.idEmpty");
  const bad = [...clean].find((c) => !/[0-9a-fA-F]/.test(c));
  if (bad !== undefined) return t("app.idBadDigit", { bad });
  return t("app.idLength", { n: [...clean].length });
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
  for (const area of ["result", "check", "owner", "proof"]) redraw.delete(area);
  live("id-error", () => {
    $("hashed-id-error").textContent = problem ? idProblem(stripped) : "";
  });
  input.setAttribute("aria-invalid", problem ? "true" : "false");
  show("balance-result", false);
  show("check", false);
  if (problem) return;
  $("find-button").disabled = true;
  try {
    // One snapshot throughout: its manifest and that manifest's signature check, taken
    // together (checked.js), whatever snapshot the page shows while they load.
    const sid = state.sid;
    const { manifest, signature } = await state.checked.both(sid);
    let bytes;
    try {
      bytes = await state.source.proofBytes(sid, clean);
    } catch (e) {
      if (state.sid !== sid) return; // the customer chose another snapshot meanwhile
      live("id-error", () => {
        $("hashed-id-error").textContent =
          e.code === "not-found" ? t("app.notFound", { sid: manifest.snapshotId }) : t("app.notLoaded", { message: e.message });
      });
      return;
    }
    let result = null;
    let error = null;
    try {
      result = await verifyAnyProofBytes(state.hasher, bytes, manifest, { name: "proof", askedFor: clean });
    } catch (e) {
      error = e;
    }
    const { balanceHead, holdingRows, showAll, pathItems } = await resultViews();
    // A look-up finished after the customer chose another snapshot is of that other snapshot:
    // never drawn under, nor kept for the kit of, the one now shown.
    if (state.sid !== sid) return;
    state.result = result;
    const v2 = manifest.version === 2;
    $("show-all-assets").setAttribute("aria-pressed", "false");
    live("result", () => {
      resultBanner($("verify-banner"), result, error, signature);
      balanceHead(v2 ? 2 : 1);
      const rows = !result ? [] : v2 ? holdingRows(result, { check: (s) => checkAsset(s).catch(fatal), tree: (s) => viewTree(s).catch(fatal), fileUrl: (n) => state.source.fileUrl(sid, n) }) : balanceRows(result.proof);
      $("balance-table").tBodies[0].replaceChildren(...rows);
      $("check-button").hidden = !result || v2;
      if (v2 && result) showAll($("show-all-assets").getAttribute("aria-pressed") === "true");
      else {
        $("show-all-assets").hidden = true;
        $("zero-assets").hidden = true;
      }
    });
    show("balance-result");
    setProofDownload(bytes, clean, sid, Boolean(result));
    if (result) {
      // v1: the one path; v2: each held asset's path is drawn by its own Check (checkAsset).
      if (v2) $("path-view").replaceChildren();
      else {
        live("check", () => {
          $("path-view").replaceChildren(...pathItems(result));
          $("check-title").textContent = t("app.checkTitle");
          $("hasher-name").textContent = t("app.hasher", { name: state.hasher.name });
        });
      }
      $("owner-result").textContent = "";
    }
  } finally {
    $("find-button").disabled = false;
  }
}

function setProofDownload(bytes, idHex, sid, verified) {
  if (state.proofUrl) URL.revokeObjectURL(state.proofUrl);
  state.proofUrl = URL.createObjectURL(new Blob([bytes], { type: "application/json" }));
  live("proof", () => {
    const link = $("proof-download");
    link.href = state.proofUrl;
    link.download = `proof-${idHex.slice(0, 16)}.json`;
    link.removeAttribute("aria-disabled");
    link.textContent = `proof-${idHex.slice(0, 16)}.json`;
    $("proof-download-note").textContent = t("app.proofNote");
  });
  // The offline kit's copy: of snapshot `sid`, and only if it verified (the kit says "as verified").
  state.proof = { bytes, name: `proof-${idHex.slice(0, 16)}.json`, sid, verified };
}

async function showCheck() {
  show("check");
  $("check").scrollIntoView({ behavior: "instant", block: "start" });
  if (state.result) await state.tree.reveal(state.result.proof.leaf.index);
}

/** v2: Check one held asset: the path of its entry (every sibling), and its tree opened to the leaf. */
async function checkAsset(symbol) {
  const result = state.result;
  if (!result) return;
  const { pathItemsV2 } = await resultViews();
  live("check", () => {
    $("path-view").replaceChildren(...pathItemsV2(result, symbol));
    $("check-title").textContent = t("app.checkTitleOf", { symbol });
    $("hasher-name").textContent = t("app.hasher", { name: state.hasher.name });
  });
  $("check").dataset.asset = symbol;
  redraw.delete("owner");
  $("owner-result").textContent = "";
  show("check");
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
    live("owner", () => {
      out.className = "banner fail";
      out.textContent = t("app.secretFormat");
    });
    return;
  }
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i += 1) bytes[i] = parseInt(secret.slice(2 * i, 2 * i + 2), 16);
  try {
    const { proof } = state.result;
    if (state.result.version === 2) await verifyOwnerV2(state.hasher, proof.hashedId, bytes, proof.snapshotId, uid);
    else await verifyOwnerV1(state.hasher, proof.leaf.hashedId, bytes, proof.snapshotId, uid);
    live("owner", () => {
      out.className = "banner pass";
      out.textContent = t("app.yours");
    });
  } catch (e) {
    live("owner", () => {
      out.className = "banner fail";
      out.replaceChildren(el("strong", { text: t("app.notYours") }), e.message, " ", el("code", { text: `(${e.code ?? "error"})` }));
    });
  }
}

function renderDownloads() {
  const { manifest, sid, source } = state;
  const v2 = manifest.version === 2;
  const csvDigest = manifest.files.get("liabilities.csv") ?? "";
  const key = checkedKey();
  const link = (name, label = name) => el("a", { href: source.fileUrl(sid, name), download: name.split("/").pop() }, label);
  const digest = (d, id) => el("span", { class: "hash" }, el("code", { id, text: d }), copyButton(d, t("app.copyWhat.digest")));
  const csvs = v2
    ? manifest.assets.map((a) => el("li", { "data-asset": a.symbol }, tx("app.csvOf", {
      file: link(liabilitiesFile(a.symbol)), symbol: a.symbol, digest: digest(manifest.files.get(liabilitiesFile(a.symbol)) ?? "") })))
    : [];
  const items = [
    v2
      ? el("li", {}, el("details", { open: manifest.assets.length <= 8 },
        el("summary", { text: t("app.csvsOf", { n: manifest.assets.length }) }),
        el("ul", { id: "asset-csvs" }, csvs)))
      : el("li", {}, tx("app.csvAll", { file: link("liabilities.csv"), digest: digest(csvDigest, "csv-sha256") }),
        el("span", { class: "sub" }, t("app.csvDigestNote"))),
    el("li", {}, el("a", { id: "proof-download", "aria-disabled": "true", text: t("app.proofFirst") }),
      el("span", { id: "proof-download-note", class: "sub" })),
    el("li", {}, tx("app.manifestFiles", { manifest: link("snapshot.json"), sig: link("snapshot.json.sig"), key: link("signing.pub") })),
  ];
  if (manifest.files.has("reserves.json")) items.push(el("li", {}, tx("app.reservesFile", { file: link("reserves.json") })));
  const treeFiles = [...manifest.files.keys()].filter((n) => n.startsWith("tree/")).sort();
  if (treeFiles.length) {
    items.push(el("li", {}, el("details", {}, el("summary", { text: t("app.treeFiles", { n: treeFiles.length }) }),
      el("ul", {}, treeFiles.map((n) => el("li", {}, link(n)))))));
  }
  items.unshift(el("li", { id: "kit-item" },
    el("button", { type: "button", id: "kit-download", text: t("app.kitButton") }),
    el("span", { class: "sub", text: t("app.kitWhat") }),
    el("p", { id: "kit-status", class: "sub", role: "status" })));
  $("download-list").replaceChildren(...items);
  $("kit-download").addEventListener("click", () => downloadKit().catch((e) => {
    $("kit-status").textContent = t("app.kitFailed", { message: e.message ?? e });
    $("kit-download").disabled = false;
  }));
  const cmd = (text, what) => el("li", {}, el("span", { class: "what", text: what }), el("span", { class: "hash" }, el("code", { text }), copyButton(text, t("app.copyWhat.command"))));
  const report = reportCommand();
  $("commands").replaceChildren(
    cmd("pip install solvent", t("app.cmdInstall")),
    cmd(`solvent verify proof-<id>.json --snapshot public/snapshot.json --public-key ${key}`, t("app.cmdVerify")),
    v2
      ? cmd("sha256sum public/liabilities/*.csv", t("app.cmdCsvs"))
      : cmd(`sha256sum public/liabilities.csv`, t("app.cmdCsv", { digest: csvDigest.slice(0, 16) })),
    cmd(`solvent audit public --public-key ${key}`, t(v2 ? "app.cmdAuditV2" : "app.cmdAudit")),
    ...(report ? [cmd(report.line, report.what)] : []),
  );
}

// What summary.json's checked_with may put into a command a customer copies, and nothing else
// (catalog.py checked_with: chain names, `--token CHAIN:SYMBOL=CONTRACT` as the reserves'
// token registry reads it, `--no-bridged`, `--max-block-age DURATION`): no quote, space or
// shell character can reach the line.
const CHAIN = /^[a-z0-9-]{1,32}$/;
const TOKEN = /^[a-z0-9-]{1,32}:[A-Z0-9._-]{1,16}=[A-Za-z0-9]{1,64}$/;
const DURATION = /^[0-9]{1,9}[smhd]$/;

/** checked_with's options, kept only as the whole recognised forms. */
function safeOptions(options) {
  const out = [];
  const list = Array.isArray(options) ? options : [];
  for (let i = 0; i < list.length; i += 1) {
    const [word, value] = [list[i], list[i + 1]];
    if (word === "--no-bridged") out.push(word);
    else if (word === "--token" && typeof value === "string" && TOKEN.test(value)) out.push(word, list[++i]);
    else if (word === "--max-block-age" && typeof value === "string" && DURATION.test(value)) out.push(word, list[++i]);
  }
  return out;
}

/**
 * `solvent report` as the server checked the reserves: a --node for every chain it read with its
 * own nodes (the URL is the customer's own), and the options that changed what counts; null
 * without reserves. Only chain names and options of the strict forms above are written.
 */
function reportCommand() {
  const how = state.summary.solvency?.checked_with;
  if (!state.manifest.files.has("reserves.json") || !how) return null;
  const words = ["solvent", "report", "public", "--public-key", checkedKey()];
  const chains = (Array.isArray(how.node_chains) ? how.node_chains : []).filter((c) => typeof c === "string" && CHAIN.test(c));
  for (const chain of chains) words.push("--node", `${chain}=URL`);
  words.push(...safeOptions(how.options));
  return {
    line: words.join(" "),
    what: chains.length ? t("app.cmdReportNodes", { chains: chains.join(", ") }) : t("app.cmdReport"),
  };
}

/** The offline kit (js/kit.js, loaded now): the files, the proof as verified, the verifier. */
async function downloadKit() {
  const button = $("kit-download");
  const out = $("kit-status");
  button.disabled = true;
  const { checkedVerifier, makeKit, save } = await import("./kit.js");
  const sid = state.manifest.snapshotId; // the signed manifest's id, as the protocol parser validated it
  if (state.sid !== sid) throw new Error(t("app.kitIdMismatch", { listed: state.sid, sid }));
  const verifier = await checkedVerifier(state.source, state.hasher,
    (got, want) => new Error(t("app.kitVerifierMismatch", { got, want })));
  const report = reportCommand();
  const blob = await makeKit({
    source: state.source,
    sid: state.sid,
    manifest: state.manifest,
    key: checkedKey(),
    verifier,
    proof: state.proof?.sid === sid && state.proof.verified ? state.proof : null,
    checkedFiles: state.checked.filesOf(sid),
    report: report && { line: report.line, note: [report.what] },
    progress: (done, total) => { out.textContent = t("app.kitPreparing", { done, total }); },
  });
  const name = `solvent-kit-${sid}.zip`;
  save(blob, name);
  out.textContent = t("app.kitReady", { name });
  button.disabled = false;
}

async function verifyFile(file) {
  const out = $("file-result");
  const banner = el("p", { class: "banner" });
  out.replaceChildren(el("p", { class: "sub", text: t("app.fileSize", { name: file.name, size: file.size }) }), banner);
  let bytes;
  if (file.size > MAX_PROOF_BYTES) {
    resultBanner(banner, null, { message: t("app.tooLarge", { max: MAX_PROOF_BYTES }), code: "too-large" });
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
    let signature = null;
    if (listed) ({ manifest, signature } = await state.checked.both(peek));
    const result = await verifyAnyProofBytes(state.hasher, bytes, manifest, { name: file.name });
    const { pathItems, pathItemsV2 } = await resultViews();
    resultBanner(banner, result, null, signature);
    const head = el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("app.cols.asset") }), el("th", { scope: "col", class: "num", text: t("app.cols.balance") })));
    const table = (rows) => el("table", { class: "stack" }, el("caption", { class: "sr-only", text: t("app.fileBalances") }), head, el("tbody", {}, rows));
    if (result.version === 2) {
      const held = result.balances.filter((b) => b.held).map((b) =>
        el("tr", { "data-asset": b.symbol }, el("th", { scope: "row", text: b.symbol }),
          el("td", { class: "num balance", "data-label": t("app.cols.balance") }, amount(formatUnits(b.amount, b.decimals)))));
      out.append(table(held),
        ...result.proof.entries.map((e) => el("details", {}, el("summary", { text: t("app.pathOf", { symbol: e.symbol }) }),
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
    const file = e.target.files[0];
    if (file) live("file", () => verifyFile(file));
  });
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const file = e.dataTransfer?.files[0];
    if (file) live("file", () => verifyFile(file));
  });
}

async function main() {
  const params = new URLSearchParams(location.search);
  state.hasher = await getHasher(params.get("hash") ?? undefined);
  state.source = openSource(state.hasher);
  state.checked = new CheckedSnapshots(state.source, state.hasher, checkSignature);
  // A static site's proofs and tree hang from this same checked manifest, never a read of their own.
  state.source.manifestOf = async (sid) => (await state.checked.manifest(sid)).manifest;
  state.tree = new TreeView($("tree-view"), $("tree-note"), state.source, state.hasher);
  state.snapshots = await state.source.snapshots();
  // The history chart mounts itself; the page works without it.
  import("./history.js").then((history) => history.start(state.checked, state.snapshots)).catch(() => {});
  const select = $("snapshot-select");
  live("snapshots", () => {
    const chosen = select.value;
    select.replaceChildren(...state.snapshots.map((s) =>
      el("option", { value: s.snapshot_id }, t("app.snapshotOption", { time: formatDateTime(s.taken_at), sid: s.snapshot_id }))));
    if (chosen) select.value = chosen;
  });
  if (!state.snapshots.length) {
    live("status", () => status(t("app.noSnapshot"), "fail"));
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
  $("show-all-assets").addEventListener("click", () => resultViews()
    .then((v) => v.showAll($("show-all-assets").getAttribute("aria-pressed") !== "true")).catch(fatal));
  wireFileDrop();
  wireExact(setExact);
  await selectSnapshot(first);
  document.body.dataset.ready = "true";
}

function fatal(e) {
  live("status", () => status(t("app.wrong", { message: e.message ?? e }), "fail"));
  document.body.dataset.ready = "error";
}

main().catch(fatal);
