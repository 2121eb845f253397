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
import { PAD_ID, leafNodeV2, liabilitiesFile, padNodeV2, parentNodeV2 } from "./hashing_v2.js";
import { sameBytes, utf8 } from "./verify.js";

/** The published CSV of one asset's leaves, as named in `files`. */
export { liabilitiesFile };

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
/** The same spelling with any number of whole digits: such an amount is refused as out of range, not malformed. */
const spellingPattern = (decimals) =>
  new RegExp(`^(?:0|[1-9][0-9]*)${decimals === 0 ? "" : `\\.[0-9]{${decimals}}`}$`);
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function csvFault(where, message, row, code = "format") {
  const evidence = { file: where };
  if (row !== undefined) Object.assign(evidence, { row, line: row + 1 });
  return new SolventError(code, `${where}: ${message}`, evidence);
}

/**
 * Why a line does not split into the header's two fields, as the Python readers say
 * (solvent.protocol.liabilities_text.RowReader): it is not UTF-8, or it has more than one
 * comma; null if it splits. A pass over its bytes, decoding only a line with non-ASCII bytes.
 */
function structuralFault(where, row, line) {
  let commas = 0;
  let ascii = true;
  for (let i = 0; i < line.length; i += 1) {
    if (line[i] === 0x2c) commas += 1;
    else if (line[i] >= 0x80) ascii = false;
  }
  if (!ascii) {
    try {
      strictUtf8.decode(line);
    } catch {
      return csvFault(where, `line ${row + 1} is not valid UTF-8`, row);
    }
  }
  if (commas > 1) return csvFault(where, `row ${row} (line ${row + 1}) has ${commas + 1} fields, the header has 2`, row);
  return null;
}

/**
 * The first bad value of a row that splits but that the fast check refused, as the Python
 * readers name it (RowReader and the v2 audit's csv_value_error): the id (format), then the
 * amount: negative (negative-balance), spelled canonically but not below 2^128 (range), or
 * anything else (format).
 */
function valueFault(where, row, line, decimals) {
  const at = `row ${row} (line ${row + 1})`;
  const [id, cell] = strictUtf8.decode(line).split(",");
  if (!/^[0-9a-f]{64}$/.test(id)) {
    const why = id.length === 64 ? "not 64 lower-case hex digits" : `${id.length} characters, a hashed id has 64 hex digits`;
    return csvFault(where, `${at}, field hashed_id: ${why}`, row);
  }
  if (cell === undefined) return csvFault(where, `${at} has 1 field, the header has 2`, row);
  if (cell.startsWith("-")) return csvFault(where, `${at}, field amount: ${repr(cell)} is negative`, row, "negative-balance");
  if (spellingPattern(decimals).test(cell)) {
    return csvFault(where, `${at}, field amount: ${repr(cell)} is not below 2^128 base units`, row, "range");
  }
  return csvFault(where, `${at}, field amount: ${repr(cell)} is not an amount with exactly ${decimals} fractional digits`, row);
}

/**
 * Parse liabilities/<S>.csv strictly: UTF-8 without BOM, the exact header, LF after every
 * line and no CR, per row 64 lower-case hex digits, a comma and the amount with exactly
 * `decimals` fractional digits, in [1, 2^128) base units, ids strictly ascending, none the
 * padding id. Returns the leaves as { ids: Uint8Array[], amounts: BigInt[] }.
 *
 * The error is the one both Python auditors give (docs/spec.md §13.9 (Auditing a whole v2
 * snapshot), steps 3-5, in this precedence): the bytes (format); a line that does not split
 * into the header's fields, anywhere (format); else the first bad value in row order (format,
 * negative-balance, range); else the first zero amount (range), padding id or id not above
 * the previous one (order). The tests/conformance/vectors/liabilities-v2/ vectors pin it.
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
  let structural = null; // the first line that does not split into two fields
  let badValue = null; // the first bad value
  let violation = null; // the first zero amount, padding id or id out of order
  for (let start = HEADER.length; start < bytes.length; ) {
    const end = bytes.indexOf(LF, start);
    row += 1;
    const line = bytes.subarray(start, end);
    start = end + 1;
    let ok = line.length > 64 && line.length <= 65 + 80 && line[64] === 0x2c;
    for (let i = 0; ok && i < 64; i += 1) ok = isLowerHex(line[i]);
    const cell = ok ? line.subarray(65) : null;
    for (let i = 0; ok && i < cell.length; i += 1) ok = cell[i] < 0x80;
    // An amount has at most 39 + 1 + 18 characters: a longer cell is never matched here.
    const text = ok ? String.fromCharCode.apply(null, cell) : "";
    ok = ok && pattern.test(text);
    const amount = ok ? BigInt(text.replace(".", "")) : 0n;
    if (!ok || amount >= AMOUNT_LIMIT) {
      if (structural !== null) continue;
      structural = structuralFault(name, row, line);
      if (structural === null && badValue === null) badValue = valueFault(name, row, line, decimals);
      continue;
    }
    if (badValue !== null || structural !== null) continue;
    const id = new Uint8Array(32);
    for (let i = 0; i < 32; i += 1) id[i] = (NIBBLE[line[2 * i]] << 4) | NIBBLE[line[2 * i + 1]];
    if (violation === null) {
      if (amount === 0n) {
        violation = csvFault(name, `row ${row} (line ${row + 1}), field amount: a zero amount; only holders are leaves`, row, "range");
      } else if (sameBytes(id, PAD_ID)) {
        violation = csvFault(name, `row ${row} (line ${row + 1}) has the padding id (all zeros)`, row, "order");
      } else if (previous !== null && compareBytes(id, previous) <= 0) {
        violation = csvFault(name, `row ${row} (line ${row + 1}): hashed ids are not strictly ascending`, row, "order");
      }
    }
    previous = id;
    ids.push(id);
    amounts.push(amount);
  }
  const error = structural ?? badValue ?? violation;
  if (error !== null) throw error;
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

