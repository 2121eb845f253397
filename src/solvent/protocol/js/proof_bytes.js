// The bytes of a proof file, exactly as `solvent prove` writes them: the one encoding solvent
// writes (src/solvent/protocol/strictjson.py, dumps_canonical): JSON with a 2-space indent,
// the fields in their fixed order, one item per line, ": " between a key and its value, an
// empty list as "[]", no escaping beyond JSON's own, then one LF; UTF-8.
// Python writes a solvent-proof/1 with protocol/proof.py's ProofRenderer and a solvent-proof/2
// with protocol/v2/proof.py's Proof.to_json; the conformance vectors of kind "proof-bytes"
// (tests/conformance) pin this module to both, byte for byte, under Python, node and Chromium.
//
// The static site (src/solvent/web/static_site.py) ships tree chunks instead of proof files;
// the page assembles a proof from them, writes it here, verifies these bytes against the
// signed root(s) and offers the same bytes for download.
//
//   proofBytes(proof) -> Uint8Array     proof: as parseAnyProof returns it (version 1 or 2)
//   proofV1Bytes(proof), proofV2Bytes(proof)
//
// JSON.stringify with an indent of 2 is that encoding for these documents: its layout is
// Python's json.dumps(indent=2)'s, and every string in a proof is ASCII without characters
// JSON escapes (asset symbols, snapshot ids, hex and decimal digits are checked when parsed).
// Integers that JSON carries as numbers (index, decimals, height, leaf_count) are at most
// 2^40 and exact as Numbers; amounts and sums are decimal strings of BigInts.

import { formatError } from "./errors.js";
import { toHex } from "./parse.js";

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** A JSON integer (a BigInt or a Number) as a Number, refused if it is not exact as one. */
function int(value, where) {
  const big = typeof value === "bigint" ? value : BigInt(value);
  if (big < 0n || big > MAX_EXACT) throw formatError(`${where}: ${big} cannot be written exactly`, "range", { field: where });
  return Number(big);
}

const text = (value) => String(value);
const encode = (obj) => new TextEncoder().encode(`${JSON.stringify(obj, null, 2)}\n`);

/** A solvent-proof/1: { snapshotId, assets, leaf: { index, hashedId, amounts }, siblings: [{ hash, sums }], root }. */
export function proofV1Bytes(proof) {
  return encode({
    format: "solvent-proof/1",
    snapshot_id: proof.snapshotId,
    assets: proof.assets.map((a) => ({ symbol: a.symbol, decimals: int(a.decimals, "assets.decimals") })),
    leaf: {
      index: int(proof.leaf.index, "leaf.index"),
      hashed_id: toHex(proof.leaf.hashedId),
      amounts: proof.leaf.amounts.map(text),
    },
    siblings: proof.siblings.map((s) => ({ hash: toHex(s.hash), sums: s.sums.map(text) })),
    root: {
      hash: toHex(proof.root.hash),
      sums: proof.root.sums.map(text),
      height: int(proof.root.height, "root.height"),
      leaf_count: int(proof.root.leafCount, "root.leaf_count"),
    },
  });
}

/** A solvent-proof/2: { snapshotId, hashedId, entries: [{ symbol, decimals, index, amount, siblings: [{ hash, sum }], root }] }. */
export function proofV2Bytes(proof) {
  return encode({
    format: "solvent-proof/2",
    snapshot_id: proof.snapshotId,
    hashed_id: toHex(proof.hashedId),
    entries: proof.entries.map((e) => ({
      symbol: e.symbol,
      decimals: int(e.decimals, "entries.decimals"),
      index: int(e.index, "entries.index"),
      amount: text(e.amount),
      siblings: e.siblings.map((s) => ({ hash: toHex(s.hash), sum: text(s.sum) })),
      root: {
        hash: toHex(e.root.hash),
        sum: text(e.root.sum),
        height: int(e.root.height, "entries.root.height"),
        leaf_count: int(e.root.leafCount, "entries.root.leaf_count"),
      },
    })),
  });
}

/** The bytes `solvent prove` writes for this proof (its `version`, 1 when it has none). */
export function proofBytes(proof) {
  return (proof.version ?? 1) === 2 ? proofV2Bytes(proof) : proofV1Bytes(proof);
}
