// The full data of a v2 snapshot in the browser: liabilities/<S>.csv parsed strictly and the
// asset's tree rebuilt from it, §13.6 (The full data and the tree files), linear in the file's
// size (the page's View Full Tree per asset), and a published file checked against its digest.
//
//   parseLiabilitiesCsv(symbol, decimals, bytes, name?) -> { ids: Uint8Array[], amounts: BigInt[] }
//   treeFromCsv(hasher, symbol, decimals, csvBytes, { name?, expected? })
//       -> Promise<{ root: { hash, sum, height, leafCount: BigInt }, levels: Node[][], ids: string[] }>
//   checkFileDigest(hasher, bytes, manifest, name) -> Promise<void>   (file-digest)

import { SolventError } from "./errors.js";
import { AMOUNT_LIMIT, MAX_HEIGHT, heightFor, toHex } from "./parse.js";
import { leafNodeV2, padNodeV2, parentNodeV2 } from "./hashing_v2.js";
import { sameBytes, utf8 } from "./verify.js";

/** The published CSV of one asset's leaves, as named in `files`. */
export const liabilitiesFile = (symbol) => `liabilities/${symbol}.csv`;

const repr = (v) => JSON.stringify(String(v).slice(0, 40));

const HEADER = utf8("hashed_id,amount\n");
const LF = 0x0a;
const BATCH = 4096;

const isLowerHex = (c) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);
const NIBBLE = new Uint8Array(128);
for (let d = 0; d < 16; d += 1) NIBBLE["0123456789abcdef".charCodeAt(d)] = d;

/** The one canonical spelling of an amount of `decimals` (as liabilities_text's pattern): at most 39 whole digits. */
const amountPattern = (decimals) =>
  new RegExp(`^(?:0|[1-9][0-9]{0,38})${decimals === 0 ? "" : `\\.[0-9]{${decimals}}`}$`);

function csvFault(where, message, row, code = "format") {
  const evidence = { file: where };
  if (row !== undefined) Object.assign(evidence, { row, line: row + 1 });
  return new SolventError(code, `${where}: ${message}`, evidence);
}

/**
 * Parse liabilities/<S>.csv strictly: UTF-8 without BOM, the exact header, LF after every
 * line and no CR, per row 64 lower-case hex digits, a comma and the amount with exactly
 * `decimals` fractional digits, in [1, 2^128) base units, ids strictly ascending.
 * Returns the leaves as { ids: Uint8Array[], amounts: BigInt[] }.
 */
export function parseLiabilitiesCsv(symbol, decimals, bytes, name = liabilitiesFile(symbol)) {
  if (bytes.length === 0) throw csvFault(name, "the file is empty (expected the header \"hashed_id,amount\")");
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw csvFault(name, "the file starts with a byte order mark; the format has none");
  }
  const headerEnd = bytes.indexOf(LF);
  const header = bytes.subarray(0, headerEnd < 0 ? bytes.length : headerEnd + 1);
  if (!sameBytes(header, HEADER)) throw csvFault(name, "line 1 is not the expected header \"hashed_id,amount\"");
  if (bytes[bytes.length - 1] !== LF) throw csvFault(name, "the last row does not end with a line feed (LF)");
  const cr = bytes.indexOf(0x0d);
  if (cr >= 0) {
    let line = 1;
    for (let i = bytes.indexOf(LF); i >= 0 && i < cr; i = bytes.indexOf(LF, i + 1)) line += 1;
    throw csvFault(name, `line ${line} contains a carriage return; the format uses LF line endings only`, line - 1);
  }
  const pattern = amountPattern(decimals);
  const ids = [];
  const amounts = [];
  let previous = null;
  let row = 0;
  for (let start = HEADER.length; start < bytes.length; ) {
    const end = bytes.indexOf(LF, start);
    row += 1;
    const line = bytes.subarray(start, end);
    start = end + 1;
    let idOk = line.length > 64 && line[64] === 0x2c;
    for (let i = 0; idOk && i < 64; i += 1) idOk = isLowerHex(line[i]);
    if (!idOk) {
      const comma = line.indexOf(0x2c);
      const id = comma < 0 ? line : line.subarray(0, comma);
      throw csvFault(name, `row ${row} (line ${row + 1}), field hashed_id: ${id.length === 64 ? "not 64 lower-case hex digits" : `${id.length} bytes, a hashed id has 64 hex digits`}`, row);
    }
    const cell = line.subarray(65);
    if (cell.some((c) => c >= 0x80)) {
      throw csvFault(name, `row ${row} (line ${row + 1}), field amount: not an ASCII decimal`, row);
    }
    // An amount has at most 39 + 1 + 18 characters: a longer cell is refused on its first 80.
    const text = String.fromCharCode.apply(null, cell.subarray(0, 80));
    if (cell.length > 80 || !pattern.test(text)) {
      const negative = text.startsWith("-");
      const why = negative ? "is negative" : `is not an amount with exactly ${decimals} fractional digits`;
      throw csvFault(name, `row ${row} (line ${row + 1}), field amount: ${repr(text)} ${why}`, row,
        negative ? "negative-balance" : "format");
    }
    const amount = BigInt(text.replace(".", ""));
    if (amount >= AMOUNT_LIMIT) {
      throw csvFault(name, `row ${row} (line ${row + 1}), field amount: ${repr(text)} is not below 2^128 base units`, row);
    }
    if (amount === 0n) {
      throw csvFault(name, `row ${row} (line ${row + 1}), field amount: zero holdings are not leaves`, row);
    }
    const id = new Uint8Array(32);
    for (let i = 0; i < 32; i += 1) id[i] = (NIBBLE[line[2 * i]] << 4) | NIBBLE[line[2 * i + 1]];
    if (previous !== null && compareBytes(id, previous) <= 0) {
      throw csvFault(name, `row ${row} (line ${row + 1}): hashed ids are not strictly ascending`, row, "order");
    }
    previous = id;
    ids.push(id);
    amounts.push(amount);
  }
  return { ids, amounts };
}

function compareBytes(a, b) {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Hash a level in batches, so that WebCrypto works on many nodes at once. */
async function mapBatched(count, make) {
  const out = new Array(count);
  for (let i = 0; i < count; i += BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + BATCH); j += 1) batch.push(make(j));
    const done = await Promise.all(batch);
    for (let j = 0; j < done.length; j += 1) out[i + j] = done[j];
  }
  return out;
}

/**
 * Rebuild asset `symbol`'s tree from its liabilities/<S>.csv bytes: §13.2 (The per-asset tree).
 * `expected` (the manifest's AssetRoot) is compared with the result: root-mismatch for the
 * hash or sum, manifest-mismatch for the height or leaf count.
 */
export async function treeFromCsv(hasher, symbol, decimals, csvBytes, { name, expected } = {}) {
  const where = name ?? liabilitiesFile(symbol);
  const { ids, amounts } = parseLiabilitiesCsv(symbol, decimals, csvBytes, where);
  const leafCount = BigInt(ids.length);
  const height = heightFor(leafCount);
  if (height > MAX_HEIGHT) throw csvFault(where, `${ids.length} leaves need height ${height}, at most ${MAX_HEIGHT}`);
  let row = await mapBatched(ids.length, (i) => leafNodeV2(hasher, symbol, ids[i], amounts[i]));
  const levels = [row];
  for (let level = 0; level < height; level += 1) {
    const pad = await padNodeV2(hasher, level, symbol);
    const below = row;
    row = await mapBatched(Math.ceil(below.length / 2), (i) =>
      parentNodeV2(hasher, below[2 * i], below[2 * i + 1] ?? pad, level + 1, symbol),
    );
    levels.push(row);
  }
  const top = ids.length === 0 ? { ...(await padNodeV2(hasher, 0, symbol)), sum: 0n } : row[0];
  const root = { hash: top.hash, sum: top.sum, height, leafCount };
  if (expected) {
    if (!sameBytes(root.hash, expected.hash) || root.sum !== expected.sum) {
      throw new SolventError("root-mismatch", `${where}: the rebuilt ${symbol} tree's root differs from the manifest's`, {
        asset: symbol,
        expected_hash: toHex(expected.hash),
        computed_hash: toHex(root.hash),
        expected_sum: expected.sum,
        computed_sum: root.sum,
      });
    }
    if (root.height !== expected.height || root.leafCount !== expected.leafCount) {
      throw new SolventError("manifest-mismatch", `${where}: the rebuilt ${symbol} tree's height or leaf count differs from the manifest's`, {
        asset: symbol,
        computed: `height=${root.height} leaf_count=${root.leafCount}`,
        manifest: `height=${expected.height} leaf_count=${expected.leafCount}`,
      });
    }
  }
  return { root, levels, ids: ids.map(toHex) };
}

/** A published file's bytes against the digest the manifest binds (file-digest otherwise). */
export async function checkFileDigest(hasher, bytes, manifest, name) {
  const expected = manifest.files.get(name);
  const computed = toHex(await hasher.sha256(bytes));
  if (expected === undefined || expected !== computed) {
    throw new SolventError("file-digest", `${name} differs from the manifest`, {
      file: name,
      expected: expected ?? "(not bound by the manifest)",
      computed,
    });
  }
}

