// Protocol v2 in the browser: one Merkle sum tree per asset (docs/spec.md §13 (Protocol v2: one
// sum tree per asset)), mirroring src/solvent/protocol/v2/ (hashing.py, manifest.py, proof.py,
// inclusion.py) check for check and in the same order, so that a bad file fails here with the
// same error code as in `solvent verify`. Every rule shared with v1 (strict JSON, canonical
// integers, hex, asset symbols, snapshot ids, file names, times, exchange names, the shape
// checks of a tree head, hashed client ids) is v1's own code, imported from parse.js,
// strictjson.js and verify.js. The hashes live in hashing_v2.js (re-exported here) and the CSV
// rebuild in liabilities_v2.js (imported from there: the page never loads it before a look-up).
// Integers are BigInt where they can pass 2^53; money is never a Number.
//
// The API (the page and the tests build on these names and shapes):
//
//   parseManifestV2(bytes, name?, hasher?) -> Promise<Manifest>   manifestV2FromObject(map, hasher?)
//     (a Promise: an empty tree's root must be pad_0(S), a hash; the hasher defaults to getHasher())
//     Manifest = { version: 2, exchange, snapshotId, takenAt, accounts: BigInt,
//                  assets: [{ symbol, decimals: Number, root: AssetRoot }],  (manifest order)
//                  files: Map<name, sha256 hex> }
//     AssetRoot = { hash: Uint8Array(32), sum: BigInt, height: Number, leafCount: BigInt }
//   parseProofV2(bytes, name?, hasher?) -> Promise<Proof>          proofV2FromObject(map, hasher?)
//     Proof = { version: 2, snapshotId, hashedId: Uint8Array(32),
//               entries: [{ symbol, decimals, index: BigInt, amount: BigInt,
//                           siblings: [{ hash, sum }], root: AssetRoot }] }
//   leafNodeV2(hasher, symbol, hashedId, amount) -> Promise<Node>     Node = { hash, sum }
//   parentNodeV2(hasher, left, right, level?, symbol?) -> Promise<Node>  (sum-overflow at 2^128)
//   padNodeV2(hasher, level, symbol) -> Promise<Node>                 (cached per hasher)
//   rootFromEntry(hasher, hashedId, entry) -> Promise<{ root: Node, path: Node[] }>  steps (2), (3)
//   verifyInclusionV2(hasher, proof, manifest | null) -> Promise<Result>              steps (2)-(4)
//   verifyProofBytesV2(hasher, bytes, manifest | null, { askedFor?, uid?, secret?, name? })
//       -> Promise<Result>                                                            steps (1)-(5)
//     Result = { proof, balances, paths: Map<symbol, Node[]>, anchored, ownerChecked, hasher }
//     balances = [{ symbol, decimals, amount: BigInt, held: boolean }]: every asset of the
//       manifest, the held ones first (manifest order), then the others at zero; without a
//       manifest, the proof's entries only.
//     askedFor: the Hashed Client ID (hex or bytes) the proof was looked up by.
//   verifyProofV2(hasher, proof, manifest | null, { askedFor?, uid?, secret? }) -> Promise<Result>:
//     steps (2)-(5) on a parsed proof
//   balancesV2(proof, manifest) -> balances (as above)
//   treeFromCsv(hasher, symbol, decimals, csvBytes, { name?, expected? })     (liabilities_v2.js)
//       -> Promise<{ root: { hash, sum, height, leafCount: BigInt }, levels: Node[][], ids: string[] }>
//     liabilities/<S>.csv parsed strictly, §13.6 (The full data and the tree files), and its
//     tree rebuilt, linear in its size; levels[k] holds the nodes of level k with at least one
//     real leaf below them (level 0 = the leaves, the last level = [root]; an empty tree has
//     levels [[]]); ids are the leaves' hashed ids (hex) in leaf order; `expected` (an
//     AssetRoot, e.g. the manifest's) is compared with the rebuilt root (root-mismatch for
//     hash or sum, manifest-mismatch for height or leaf count). CSV faults: format,
//     negative-balance, order (ids not strictly ascending).
//   parseLiabilitiesCsv(symbol, decimals, bytes, name?) -> { ids: Uint8Array[], amounts: BigInt[] }  (liabilities_v2.js)
//   checkFileDigest(hasher, bytes, manifest, name) -> Promise<void>  (file-digest; liabilities_v2.js)
//   liabilitiesFile(symbol) -> "liabilities/<S>.csv"
//   checkUidV2(uid) -> uid; customerUid(typed) -> its NFC form; userSecret, hashedId (v1's rule
//   of §3 (Hashed client ids), unchanged in v2); verifyOwnerV2(hasher, hashedId, secret,
//   snapshotId, typedUid): step (5) with the typed uid brought to NFC
//   PAD_ID, MANIFEST_FORMAT_V2, PROOF_FORMAT_V2, MAX_ASSETS_V2, MAX_PROOF_BYTES_V2
//
// Errors are SolventError with the codes of docs/spec.md §10 (Error codes).

import { SolventError, formatError } from "./errors.js";
import { getHasher } from "./hash.js";
import { PAD_ID, leafNodeV2, liabilitiesFile, padNodeV2, parentNodeV2 } from "./hashing_v2.js";
import {
  MAX_HEIGHT,
  MAX_LEAF_COUNT,
  checkAsset,
  checkAssetList,
  checkExchange,
  checkFields,
  checkInt,
  checkSnapshotId,
  checkTimestamp,
  fromHex,
  heightFor,
  hexBytes,
  parseCanonicalInt,
  parseFiles,
  stripSpace,
  toHex,
} from "./parse.js";
import { loadsStrict } from "./strictjson.js";
import { checkPreconditions, checkUid, hashedId, sameBytes, userSecret, verifyHashedId } from "./verify.js";

// One module for the page: the hashes (hashing_v2.js) too. The full data (liabilities_v2.js:
// parseLiabilitiesCsv, treeFromCsv, checkFileDigest) is imported from its own module by whoever
// needs it, so that the page does not load it before a look-up.
export { PAD_ID, leafNodeV2, liabilitiesFile, padNodeV2, parentNodeV2 } from "./hashing_v2.js";
export { hashedId, userSecret };

export const MANIFEST_FORMAT_V2 = "solvent-snapshot/2";
export const PROOF_FORMAT_V2 = "solvent-proof/2";
export const MAX_ASSETS_V2 = 1024;
export const MAX_PROOF_BYTES_V2 = 4 * 1024 * 1024;

const repr = (v) => JSON.stringify(String(v).slice(0, 40));
/** Entries folded at once (see verifyInclusionV2). */
const FOLD_BATCH = 64;

// ---------------------------------------------------------------------------------------
// Parsing (step (1) of §13.5 (Verifying a v2 proof)): exact field sets and types, as protocol/v2/manifest.py and proof.py.

/**
 * v2.manifest.AssetRoot.from_dict with check_shape: a tree head no honest build produces is
 * refused. `pads` maps a symbol to pad_0(S), computed before the parse (see padLeavesFor).
 */
function parseAssetRoot(obj, symbol, where, pads) {
  const d = checkFields(obj, ["hash", "sum", "height", "leaf_count"], where);
  const root = {
    hash: hexBytes(d.get("hash"), `${where}.hash`, 32),
    sum: parseCanonicalInt(d.get("sum"), `${where}.sum`),
    height: Number(checkInt(d.get("height"), `${where}.height`, 0, MAX_HEIGHT)),
    leafCount: checkInt(d.get("leaf_count"), `${where}.leaf_count`, 0, MAX_LEAF_COUNT),
  };
  const evidence = { asset: symbol, leaf_count: root.leafCount, height: root.height };
  if (root.leafCount > 1n << BigInt(root.height)) {
    throw formatError(`${where}: leaf_count ${root.leafCount} does not fit a tree of height ${root.height}`,
      "leaf-count", evidence);
  }
  if (root.height !== heightFor(root.leafCount)) {
    throw formatError(`${where}: height ${root.height} is not the smallest height for ${root.leafCount} leaves`,
      "height", evidence);
  }
  if (root.leafCount === 0n) {
    const empty = pads.get(symbol);
    if (empty === undefined) throw new Error(`pad_0(${symbol}) was not computed before parsing`);
    if (root.sum !== 0n || !sameBytes(root.hash, empty.hash)) {
      throw formatError(`${where}: an empty tree's root is the padding leaf of ${symbol} with sum 0`, "padding", {
        ...evidence,
        expected_hash: toHex(empty.hash),
        hash: toHex(root.hash),
      });
    }
  } else if (root.sum < root.leafCount) {
    throw formatError(`${where}: sum ${root.sum} is below leaf_count ${root.leafCount} (every leaf holds at least 1)`,
      "range", { ...evidence, sum: root.sum });
  }
  return root;
}

/**
 * pad_0(S) of every asset in `list` (a manifest's assets or a proof's entries) whose root
 * says leaf_count 0: the empty tree's root rule needs that hash in the middle of a parse that
 * is otherwise synchronous. At most MAX_ASSETS_V2 items are looked at (a longer list is
 * refused before any root is read).
 */
async function padLeavesFor(hasher, list) {
  const pads = new Map();
  if (!Array.isArray(list)) return pads;
  for (const item of list.slice(0, MAX_ASSETS_V2)) {
    if (!(item instanceof Map)) continue;
    const symbol = item.get("symbol");
    const root = item.get("root");
    if (!(root instanceof Map) || root.get("leaf_count") !== 0n || pads.has(symbol)) continue;
    try {
      checkAsset(symbol, 0n, "symbol");
    } catch {
      continue;
    }
    pads.set(symbol, await padNodeV2(hasher, 0, symbol));
  }
  return pads;
}

/** v2.manifest._trees: 1..1024 assets, each {symbol, decimals, root}, no symbol twice. */
function parseTrees(value, pads) {
  if (!Array.isArray(value)) throw formatError("snapshot.assets: expected a list", "assets", { field: "assets" });
  if (value.length < 1 || value.length > MAX_ASSETS_V2) {
    throw formatError(`snapshot.assets: a snapshot has 1..${MAX_ASSETS_V2} assets, got ${value.length}`, "assets");
  }
  const trees = value.map((item, i) => {
    const where = `snapshot.assets[${i}]`;
    const d = checkFields(item, ["symbol", "decimals", "root"], where);
    const asset = checkAsset(d.get("symbol"), d.get("decimals"), where);
    return { ...asset, root: parseAssetRoot(d.get("root"), asset.symbol, `${where}.root`, pads) };
  });
  checkAssetList(trees, MAX_ASSETS_V2);
  return trees;
}

/** v2.manifest.Manifest.from_dict, checks in the same order. */
export async function manifestV2FromObject(obj, hasher = null) {
  const h = hasher ?? (await getHasher());
  const pads = await padLeavesFor(h, obj instanceof Map ? obj.get("assets") : null);
  const d = checkFields(obj, ["format", "exchange", "snapshot_id", "taken_at", "accounts", "assets", "files"], "snapshot");
  if (d.get("format") !== MANIFEST_FORMAT_V2) {
    throw formatError(`snapshot: format ${repr(d.get("format"))} is not "${MANIFEST_FORMAT_V2}"`, "version", {
      field: "format",
    });
  }
  const assets = parseTrees(d.get("assets"), pads);
  const accounts = checkInt(d.get("accounts"), "snapshot.accounts", 0, BigInt(MAX_ASSETS_V2) * MAX_LEAF_COUNT);
  let most = 0n;
  let all = 0n;
  for (const t of assets) {
    if (t.root.leafCount > most) most = t.root.leafCount;
    all += t.root.leafCount;
  }
  if (!(most <= accounts && accounts <= all)) {
    throw formatError(
      `snapshot.accounts: ${accounts} accounts cannot hold these trees (at least ${most}, the largest tree, and at most ${all}, all leaves)`,
      "range",
      { field: "accounts", accounts, min: most, max: all },
    );
  }
  const files = parseFiles(d.get("files"));
  const missing = assets.map((t) => liabilitiesFile(t.symbol)).filter((f) => !files.has(f));
  if (missing.length) {
    throw formatError(`snapshot.files: does not bind ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? " ..." : ""}`,
      "fields", { field: "files", missing: missing.slice(0, 20).join(",") });
  }
  return {
    version: 2,
    exchange: checkExchange(d.get("exchange")),
    snapshotId: checkSnapshotId(d.get("snapshot_id")),
    takenAt: checkTimestamp(d.get("taken_at")),
    accounts,
    assets,
    files,
  };
}

/** v2.manifest.parse_manifest: the bytes of a solvent-snapshot/2 snapshot.json (a Promise: see padLeavesFor). */
export async function parseManifestV2(bytes, name = "snapshot.json", hasher = null) {
  return manifestV2FromObject(loadsStrict(bytes, { name }), hasher);
}

/** v2.proof.Entry.from_dict: the checks in Python's order (asset, amount, siblings, index, root). */
function parseEntry(obj, where, pads) {
  const d = checkFields(obj, ["symbol", "decimals", "index", "amount", "siblings", "root"], where);
  const asset = checkAsset(d.get("symbol"), d.get("decimals"), where);
  const amount = parseCanonicalInt(d.get("amount"), `${where}.amount`);
  if (amount < 1n) {
    throw formatError(`${where}.amount: 0 is not a holding (zero amounts are not leaves)`, "range", {
      field: `${where}.amount`,
    });
  }
  // proof.parse_siblings: a list of at most MAX_HEIGHT nodes.
  const raw = d.get("siblings");
  if (!Array.isArray(raw)) throw formatError(`${where}.siblings: expected a list`, "type", { field: `${where}.siblings` });
  if (raw.length > MAX_HEIGHT) throw formatError(`${where}.siblings: ${raw.length} nodes, at most ${MAX_HEIGHT}`, "length");
  const siblings = raw.map((item, k) => {
    const at = `${where}.siblings[${k}]`;
    const s = checkFields(item, ["hash", "sum"], at);
    return { hash: hexBytes(s.get("hash"), `${at}.hash`, 32), sum: parseCanonicalInt(s.get("sum"), `${at}.sum`) };
  });
  const index = checkInt(d.get("index"), `${where}.index`, 0, MAX_LEAF_COUNT - 1n);
  const root = parseAssetRoot(d.get("root"), asset.symbol, `${where}.root`, pads);
  return { ...asset, index, amount, siblings, root };
}

/** v2.proof.Proof.from_dict: step (1) for a solvent-proof/2 object. */
export async function proofV2FromObject(obj, hasher = null) {
  const h = hasher ?? (await getHasher());
  const pads = await padLeavesFor(h, obj instanceof Map ? obj.get("entries") : null);
  const d = checkFields(obj, ["format", "snapshot_id", "hashed_id", "entries"], "proof");
  if (d.get("format") !== PROOF_FORMAT_V2) {
    throw formatError(`proof: format ${repr(d.get("format"))} is not "${PROOF_FORMAT_V2}"`, "version", {
      field: "format",
    });
  }
  const snapshotId = checkSnapshotId(d.get("snapshot_id"));
  const hashedId = hexBytes(d.get("hashed_id"), "proof.hashed_id", 32);
  if (sameBytes(hashedId, PAD_ID)) throw formatError("proof.hashed_id: the padding id (32 zero bytes) is nobody's", "padding");
  const raw = d.get("entries");
  if (!Array.isArray(raw)) throw formatError("proof.entries: expected a list", "type", { field: "proof.entries" });
  if (raw.length < 1 || raw.length > MAX_ASSETS_V2) {
    throw formatError(`proof.entries: ${raw.length} entries, a proof has 1..${MAX_ASSETS_V2}`, "length", {
      field: "proof.entries",
    });
  }
  const entries = raw.map((e, i) => parseEntry(e, `proof.entries[${i}]`, pads));
  const seen = new Set();
  entries.forEach((e, i) => {
    if (seen.has(e.symbol)) {
      throw formatError(`proof.entries[${i}]: ${e.symbol} has an entry already`, "order", {
        field: `proof.entries[${i}]`,
        symbol: e.symbol,
      });
    }
    seen.add(e.symbol);
  });
  return { version: 2, snapshotId, hashedId, entries };
}

/** v2.proof.parse_proof: step (1), the bytes of a proof file (a Promise: see padLeavesFor). */
export async function parseProofV2(bytes, name = "proof", hasher = null) {
  return proofV2FromObject(loadsStrict(bytes, { name, maxBytes: MAX_PROOF_BYTES_V2 }), hasher);
}

// ---------------------------------------------------------------------------------------
// Verifying (§13.5 (Verifying a v2 proof)), as protocol/v2/inclusion.py.

const nodeEquals = (a, b) => sameBytes(a.hash, b.hash) && a.sum === b.sum;

/** Steps (2) and (3) for one entry: the shape, then the fold; returns the root and the nodes on the way. */
export async function rootFromEntry(hasher, hashedId, entry) {
  const { symbol, index } = entry;
  const leafCount = entry.root.leafCount;
  try {
    checkPreconditions(index, leafCount, entry.root.height, entry.siblings.length); // (2)
  } catch (e) {
    if (!(e instanceof SolventError)) throw e;
    throw formatError(`${symbol}: ${e.message}`, e.code, { asset: symbol, ...e.evidence });
  }
  // (3) fold: the side at level k is bit k of index (0: the current node is the left child).
  let node = await leafNodeV2(hasher, symbol, hashedId, entry.amount);
  const path = [node];
  for (let level = 0; level < entry.siblings.length; level += 1) {
    const sibling = entry.siblings[level];
    const k = BigInt(level);
    const siblingFirstLeaf = ((index >> k) ^ 1n) << k;
    if (siblingFirstLeaf >= leafCount && !nodeEquals(sibling, await padNodeV2(hasher, level, symbol))) {
      // (3a) a sibling wholly beyond leaf_count is padding by definition (§13.2 (The per-asset tree)).
      throw new SolventError(
        "padding-mismatch",
        `${symbol}: sibling at level ${level} lies in the padding region but is not the padding subtree`,
        { asset: symbol, level, index, sibling_hash: toHex(sibling.hash) },
      );
    }
    node = (index >> k) & 1n
      ? await parentNodeV2(hasher, sibling, node, level + 1, symbol)
      : await parentNodeV2(hasher, node, sibling, level + 1, symbol);
    path.push(node);
  }
  return { root: node, path };
}

function compareRoot(computed, expected, entry, against) {
  if (!sameBytes(computed.hash, expected.hash) || computed.sum !== expected.sum) {
    throw new SolventError("root-mismatch", `${entry.symbol}: the computed root does not match ${against}`, {
      asset: entry.symbol,
      index: entry.index,
      expected_hash: toHex(expected.hash),
      computed_hash: toHex(computed.hash),
      expected_sum: expected.sum,
      computed_sum: computed.sum,
    });
  }
}

/** (4b) snapshot id; each entry's asset, decimals and tree head; entries in the manifest's order. */
export function checkAgainstManifestV2(proof, manifest) {
  if (proof.snapshotId !== manifest.snapshotId) {
    throw new SolventError(
      "manifest-mismatch",
      `the proof is for snapshot "${proof.snapshotId}", the manifest is "${manifest.snapshotId}"`,
      { proof: proof.snapshotId, manifest: manifest.snapshotId },
    );
  }
  const position = new Map(manifest.assets.map((t, i) => [t.symbol, i]));
  let last = -1;
  for (const entry of proof.entries) {
    const at = position.get(entry.symbol);
    if (at === undefined) {
      throw new SolventError("manifest-mismatch",
        `the proof has an entry for ${entry.symbol}, which the manifest does not list`, { asset: entry.symbol });
    }
    if (at <= last) {
      throw formatError(`proof.entries: ${entry.symbol} is out of the manifest's asset order`, "order", {
        asset: entry.symbol,
      });
    }
    last = at;
    const tree = manifest.assets[at];
    if (entry.decimals !== tree.decimals) {
      throw new SolventError("manifest-mismatch",
        `${entry.symbol}: the proof says ${entry.decimals} decimals, the manifest ${tree.decimals}`,
        { asset: entry.symbol, proof: entry.decimals, manifest: tree.decimals });
    }
    compareRoot(entry.root, tree.root, entry, "the manifest's root");
    if (entry.root.height !== tree.root.height || entry.root.leafCount !== tree.root.leafCount) {
      throw new SolventError("manifest-mismatch",
        `${entry.symbol}: the proof's tree height or leaf count differs from the manifest's`, {
          asset: entry.symbol,
          proof: `height=${entry.root.height} leaf_count=${entry.root.leafCount}`,
          manifest: `height=${tree.root.height} leaf_count=${tree.root.leafCount}`,
        });
    }
  }
}

/** inclusion.balances: every asset of the manifest, held ones first (manifest order), then the rest at zero. */
export function balancesV2(proof, manifest) {
  const held = new Map(proof.entries.map((e) => [e.symbol, e.amount]));
  if (manifest === null) {
    return proof.entries.map((e) => ({ symbol: e.symbol, decimals: e.decimals, amount: e.amount, held: true }));
  }
  const row = (t, h) => ({ symbol: t.symbol, decimals: t.decimals, amount: h ? held.get(t.symbol) : 0n, held: h });
  return [
    ...manifest.assets.filter((t) => held.has(t.symbol)).map((t) => row(t, true)),
    ...manifest.assets.filter((t) => !held.has(t.symbol)).map((t) => row(t, false)),
  ];
}

/** Steps (2)-(4) on a parsed proof; compared with `manifest` when one is given. */
export async function verifyInclusionV2(hasher, proof, manifest = null) {
  // (2), (3) for a batch of entries at once: a hasher answers many hashes in flight far faster
  // than one at a time (a proof may carry 1024 entries of 40 levels). Batches go in entry
  // order and the first failure in that order is reported, as the Python verifier, which goes
  // one entry after the other, does.
  const paths = new Map();
  for (let start = 0; start < proof.entries.length; start += FOLD_BATCH) {
    const batch = proof.entries.slice(start, start + FOLD_BATCH);
    const folded = await Promise.all(
      batch.map((entry) => rootFromEntry(hasher, proof.hashedId, entry).then((ok) => ({ ok }), (error) => ({ error }))),
    );
    batch.forEach((entry, i) => {
      if (folded[i].error) throw folded[i].error;
      const { root, path } = folded[i].ok;
      compareRoot(root, entry.root, entry, "the entry's root"); // (4a)
      paths.set(entry.symbol, path);
    });
  }
  if (manifest !== null) checkAgainstManifestV2(proof, manifest); // (4b)
  return {
    proof,
    balances: balancesV2(proof, manifest),
    paths,
    anchored: manifest !== null,
    ownerChecked: false,
    hasher: hasher.name,
  };
}

/** The uid a customer types, as the v2 verifier hashes it: in Unicode NFC (§13.1 (Assets, amounts and accounts)), as builders require. */
export const customerUid = (typed) => String(typed).normalize("NFC");

/** (5) the hashed id is this customer's: recomputed from the NFC form of the typed uid and the secret. */
export async function verifyOwnerV2(hasher, expected, secret, snapshotId, typedUid) {
  await verifyHashedId(hasher, expected, secret, snapshotId, customerUid(typedUid));
}

/** Steps (1)-(5) from the bytes of a v2 proof file (v2.inclusion.verify_proof_bytes). */
export async function verifyProofBytesV2(hasher, bytes, manifest = null, { askedFor, uid, secret, name = "proof" } = {}) {
  return verifyProofV2(hasher, await parseProofV2(bytes, name, hasher), manifest, { askedFor, uid, secret }); // (1)
}

/** Steps (2)-(5) on a proof parsed by parseProofV2 / proofV2FromObject. */
export async function verifyProofV2(hasher, proof, manifest = null, { askedFor, uid, secret } = {}) {
  const result = await verifyInclusionV2(hasher, proof, manifest); // (2)-(4)
  if (askedFor !== undefined && askedFor !== null) {
    const wanted = typeof askedFor === "string" ? fromHex(askedFor) : askedFor;
    if (!sameBytes(proof.hashedId, wanted)) {
      // (5) the proof is the one that was asked for: a server answering with another
      // account's valid proof is caught here.
      throw new SolventError("id-mismatch", "the proof is for another hashed id than the one it was looked up by", {
        asked_for: toHex(wanted),
        proof: toHex(proof.hashedId),
      });
    }
  }
  if ((uid === undefined) !== (secret === undefined)) throw new Error("uid and secret go together");
  if (uid !== undefined) {
    await verifyOwnerV2(hasher, proof.hashedId, secret, proof.snapshotId, uid); // (5)
    return { ...result, ownerChecked: true };
  }
  return result;
}

/** v2.accounts.check_uid: what a builder accepts as a uid (v1's rule, no surrounding white space, NFC). */
export function checkUidV2(uid) {
  const text = checkUid(uid);
  if (stripSpace(text) !== text) throw formatError("uid has leading or trailing white space", "format", { field: "uid" });
  if (text.normalize("NFC") !== text) {
    throw formatError("uid is not in Unicode Normalization Form C (NFC)", "format", { field: "uid" });
  }
  return text;
}
