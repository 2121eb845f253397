// Inclusion-proof verification in the browser, mirroring src/solvent/protocol/inclusion.py
// and src/solvent/protocol/hashing.py step by step. The numbered comments are the steps of
// docs/spec.md §6 (Inclusion proofs), "Verifying a proof"; every failure throws a SolventError with the
// same code and evidence as the Python verifier. Nothing here reads a "valid" flag: the
// result exists only if this code's own hashes reach the published root.

import { SolventError, formatError } from "./errors.js";
import { AMOUNT_LIMIT, MAX_HEIGHT, fromHex, heightFor, parseProof, toHex } from "./parse.js";

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;
const USER_SECRET_TAG = "solvent/user-secret/v1";
const HCID_TAG = "solvent/hcid/v1";

/** Constant-time equality of two byte strings (as hmac.compare_digest). */
export function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a[i] ^ b[i];
  return diff === 0;
}

const sameSums = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const nodeEquals = (a, b) => sameBytes(a.hash, b.hash) && sameSums(a.sums, b.sums);

/** u128be(s_1) || ... || u128be(s_n) written at `offset` of `out`, each checked in [0, 2^128); returns the end. */
export function encodeSums(sums, out, offset) {
  for (const s of sums) {
    if (typeof s !== "bigint" || s < 0n || s >= AMOUNT_LIMIT) throw formatError(`sum: ${s} is outside [0, 2^128)`, "range");
    let v = s;
    for (let j = 15; j >= 0; j -= 1) {
      out[offset + j] = Number(v & 0xffn);
      v >>= 8n;
    }
    offset += 16;
  }
  return offset;
}

/** leaf_hash = H(0x00 || hashed_id || u128be(a_1) || ... || u128be(a_n))  (spec §4 (The liabilities tree)) */
export async function leafNode(hasher, hashedId, amounts) {
  const pre = new Uint8Array(1 + 32 + 16 * amounts.length);
  pre[0] = LEAF_PREFIX;
  pre.set(hashedId, 1);
  encodeSums(amounts, pre, 33);
  return { hash: await hasher.sha256(pre), sums: amounts.slice() };
}

/** node_hash = H(0x01 || record(L) || record(R)); every new sum checked < 2^128 (threat L3). */
export async function parentNode(hasher, left, right, level) {
  if (left.sums.length !== right.sums.length) throw new Error("children have different asset counts");
  const sums = left.sums.map((a, i) => a + right.sums[i]);
  sums.forEach((s, i) => {
    if (s >= AMOUNT_LIMIT) {
      throw new SolventError(
        "sum-overflow",
        `sum of asset #${i} overflows 2^128` + (level === undefined ? "" : ` at level ${level}`),
        { asset_index: i, level: level === undefined ? "?" : level, sum: s },
      );
    }
  });
  const record = 32 + 16 * sums.length;
  const pre = new Uint8Array(1 + 2 * record);
  pre[0] = NODE_PREFIX;
  pre.set(left.hash, 1);
  encodeSums(left.sums, pre, 33);
  pre.set(right.hash, 1 + record);
  encodeSums(right.sums, pre, 33 + record);
  return { hash: await hasher.sha256(pre), sums };
}

const padCache = new WeakMap();

/** The root of an all-padding subtree of `level` (pad_0 = a padding leaf), cached per hasher. */
export async function padNode(hasher, level, nAssets) {
  let cache = padCache.get(hasher);
  if (!cache) padCache.set(hasher, (cache = new Map()));
  const key = `${level}/${nAssets}`;
  if (!cache.has(key)) {
    const node =
      level === 0
        ? await leafNode(hasher, new Uint8Array(32), new Array(nAssets).fill(0n))
        : await padNode(hasher, level - 1, nAssets).then((below) => parentNode(hasher, below, below));
    cache.set(key, node);
  }
  return cache.get(key);
}

/** (2) 0 <= index < leaf_count <= 2^height, height <= 40 and the smallest such, one sibling per level. */
export function checkPreconditions(index, leafCount, height, nSiblings) {
  if (!(height >= 0 && height <= MAX_HEIGHT)) {
    throw formatError(`height ${height} is outside [0, ${MAX_HEIGHT}]`, "height", { height });
  }
  if (!(leafCount >= 1n && leafCount <= 1n << BigInt(height))) {
    throw formatError(`leaf_count ${leafCount} does not fit a tree of height ${height}`, "leaf-count", {
      leaf_count: leafCount,
      height,
    });
  }
  if (height !== heightFor(leafCount)) {
    throw formatError(`height ${height} is not the smallest height for ${leafCount} leaves`, "height", {
      leaf_count: leafCount,
      height,
    });
  }
  if (!(index >= 0n && index < leafCount)) {
    // Positions >= leaf_count are padding: nobody's balance can be proven there (L7).
    throw formatError(`leaf index ${index} is not below leaf_count ${leafCount}`, "index", {
      index,
      leaf_count: leafCount,
    });
  }
  if (nSiblings !== height) {
    throw formatError(
      `the proof has ${nSiblings} siblings, a tree of height ${height} needs exactly ${height}`,
      "length",
      { siblings: nSiblings, height },
    );
  }
}

/**
 * Steps (2) and (3): check the shape, then fold the path up to a root.
 * Returns the root and every node computed on the way (for drawing the path).
 */
export async function rootFromProof(hasher, index, hashedId, amounts, siblings, height, leafCount) {
  checkPreconditions(index, leafCount, height, siblings.length);
  if (hashedId.every((b) => b === 0)) throw formatError("the leaf has the padding id (32 zero bytes)", "padding");
  const n = amounts.length;
  // (3) fold: the leaf hash, then one parent per level; the side is bit k of index.
  let node = await leafNode(hasher, hashedId, amounts);
  const path = [node];
  for (let level = 0; level < siblings.length; level += 1) {
    const sibling = siblings[level];
    const k = BigInt(level);
    if (sibling.sums.length !== n) throw formatError(`sibling at level ${level} has the wrong number of sums`, "length");
    const siblingFirstLeaf = ((index >> k) ^ 1n) << k;
    if (siblingFirstLeaf >= leafCount && !nodeEquals(sibling, await padNode(hasher, level, n))) {
      // (3a) a sibling wholly beyond leaf_count is padding by definition (spec §4 (The liabilities tree)).
      throw new SolventError(
        "padding-mismatch",
        `sibling at level ${level} lies in the padding region but is not the padding subtree`,
        { level, index, sibling_hash: toHex(sibling.hash) },
      );
    }
    // (3b) bit k of index: 0 = the path node is the left child.
    node = (index >> k) & 1n
      ? await parentNode(hasher, sibling, node, level + 1)
      : await parentNode(hasher, node, sibling, level + 1);
    path.push(node);
  }
  return { root: node, path };
}

function compareRoot(computed, expected, index, against) {
  if (!sameBytes(computed.hash, expected.hash) || !sameSums(computed.sums, expected.sums)) {
    throw new SolventError("root-mismatch", `the computed root does not match ${against}`, {
      index,
      expected_hash: toHex(expected.hash),
      computed_hash: toHex(computed.hash),
      expected_sums: expected.sums.join(","),
      computed_sums: computed.sums.join(","),
    });
  }
}

/** (4b) snapshot id, asset list (decimals included) and tree head must all agree with the manifest. */
export function checkAgainstManifest(proof, manifest) {
  if (proof.snapshotId !== manifest.snapshotId) {
    throw new SolventError(
      "manifest-mismatch",
      `the proof is for snapshot "${proof.snapshotId}", the manifest is "${manifest.snapshotId}"`,
      { proof: proof.snapshotId, manifest: manifest.snapshotId },
    );
  }
  const assetsText = (assets) => assets.map((a) => `${a.symbol}:${a.decimals}`).join(",");
  if (assetsText(proof.assets) !== assetsText(manifest.assets)) {
    throw new SolventError(
      "manifest-mismatch",
      "the proof's asset list (symbols, order or decimals) differs from the manifest's",
      { proof: assetsText(proof.assets), manifest: assetsText(manifest.assets) },
    );
  }
  compareRoot(proof.root, manifest.root, proof.leaf.index, "the manifest's root");
  if (proof.root.height !== manifest.root.height || proof.root.leafCount !== manifest.root.leafCount) {
    throw new SolventError("manifest-mismatch", "the proof's tree height or leaf count differs from the manifest's", {
      proof: `height=${proof.root.height} leaf_count=${proof.root.leafCount}`,
      manifest: `height=${manifest.root.height} leaf_count=${manifest.root.leafCount}`,
    });
  }
}

/** Steps (2)-(4) on a parsed proof; compared with `manifest` when one is given. */
export async function verifyInclusion(hasher, proof, manifest = null) {
  const { root, path } = await rootFromProof(
    hasher,
    proof.leaf.index,
    proof.leaf.hashedId,
    proof.leaf.amounts,
    proof.siblings,
    proof.root.height,
    proof.root.leafCount,
  );
  // (4a) the computed root must be the root the proof claims.
  compareRoot(root, proof.root, proof.leaf.index, "the proof's root");
  // (4b) and that root must be the one in the independently obtained manifest.
  if (manifest !== null) checkAgainstManifest(proof, manifest);
  return { proof, path, computedRoot: root, anchored: manifest !== null, ownerChecked: false, hasher: hasher.name };
}

export const utf8 = (text) => new TextEncoder().encode(text);

/** lp(b) = u32be(len(b)) || b */
export function lp(bytes) {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}

export const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** ids.check_uid: a non-empty string without control characters (Cc), valid UTF-8. */
export function checkUid(uid) {
  if (typeof uid !== "string" || uid === "") throw formatError("uid must be a non-empty string", "format", { field: "uid" });
  if (/\p{Cc}/u.test(uid)) throw formatError("uid contains a control character", "format", { field: "uid" });
  if (!uid.isWellFormed()) throw formatError("uid is not valid UTF-8", "format", { field: "uid" });
  return uid;
}

/** spec §3 (Hashed client ids): hashed_id = HMAC(user_secret, lp("solvent/hcid/v1") || lp(snapshot_id) || lp(uid)) */
export async function hashedId(hasher, secret, snapshotId, uid) {
  if (secret.length !== 32) throw formatError("a user secret must be 32 bytes");
  return hasher.hmacSha256(secret, concat(lp(utf8(HCID_TAG)), lp(utf8(snapshotId)), lp(utf8(checkUid(uid)))));
}

/** spec §3 (Hashed client ids): user_secret = HMAC(master_key, lp("solvent/user-secret/v1") || lp(uid)) (for tests). */
export async function userSecret(hasher, masterKey, uid) {
  return hasher.hmacSha256(masterKey, concat(lp(utf8(USER_SECRET_TAG)), lp(utf8(checkUid(uid)))));
}

/** (5) the leaf is this customer's: recompute the id from uid and secret (threat L8). */
export async function verifyHashedId(hasher, expected, secret, snapshotId, uid) {
  const computed = await hashedId(hasher, secret, snapshotId, uid);
  if (!sameBytes(computed, expected)) {
    throw new SolventError(
      "id-mismatch",
      "the hashed id in the proof is not derived from this uid and secret: this leaf may belong to somebody else",
      { expected: toHex(expected), computed: toHex(computed), snapshot_id: snapshotId },
    );
  }
}

/**
 * (5) for a uid a customer types, v1: its NFC form first (as v2 requires of every uid, and as
 * most keyboards type it), then exactly as typed, since a v1 ledger was never required to be
 * in NFC. Either match proves the same thing: the id is derived from this secret and from a
 * uid that looks like the typed one. The CLI's solvent verify tries the same two, in that order.
 */
export async function verifyOwnerV1(hasher, expected, secret, snapshotId, typedUid) {
  const typed = String(typedUid);
  const nfc = typed.normalize("NFC");
  try {
    await verifyHashedId(hasher, expected, secret, snapshotId, nfc);
  } catch (e) {
    if (nfc === typed || !(e instanceof SolventError) || e.code !== "id-mismatch") throw e;
    await verifyHashedId(hasher, expected, secret, snapshotId, typed);
  }
}

/** Steps (1)-(5) from the bytes of a proof file (verify_proof_bytes). */
export async function verifyProofBytes(hasher, bytes, manifest = null, { uid, secret, askedFor, name = "proof" } = {}) {
  return verifyProof(hasher, parseProof(bytes, name), manifest, { uid, secret, askedFor }); // (1)
}

/** Steps (2)-(5) on a proof parsed by parseProof / proofFromObject. */
export async function verifyProof(hasher, proof, manifest = null, { uid, secret, askedFor } = {}) {
  const result = await verifyInclusion(hasher, proof, manifest); // (2)-(4)
  if (askedFor !== undefined && !sameBytes(proof.leaf.hashedId, fromHex(askedFor))) {
    // (5) the leaf is the one that was asked for: a server answering with another
    // account's valid proof is caught here.
    throw new SolventError("id-mismatch", "the proof is for another hashed id than the one it was looked up by", {
      asked_for: askedFor,
      proof: toHex(proof.leaf.hashedId),
    });
  }
  if ((uid === undefined) !== (secret === undefined)) throw new Error("uid and secret go together");
  if (uid !== undefined) {
    await verifyHashedId(hasher, proof.leaf.hashedId, secret, proof.snapshotId, uid); // (5)
    return { ...result, ownerChecked: true };
  }
  return result;
}
