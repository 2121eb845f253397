// The protocol core in the browser: step (1) of docs/spec.md §6 (Inclusion proofs), "parse strictly".
//
// Mirrors src/solvent/protocol/ (strictjson check_fields / check_int / hex_bytes, amounts,
// assets, ids, proof, manifest) check for check and in the same order, so that a bad
// file fails here with the same error code as in `solvent verify`. Integers are BigInt;
// money is never a Number.

import { SolventError, formatError, inputError } from "./errors.js";
import { loadsStrict } from "./strictjson.js";

export const AMOUNT_LIMIT = 1n << 128n;
export const MAX_HEIGHT = 40;
export const MAX_LEAF_COUNT = 1n << 40n;
export const PROOF_FORMAT = "solvent-proof/1";
export const MANIFEST_FORMAT = "solvent-snapshot/1";
export const MAX_PROOF_BYTES = 4 * 1024 * 1024;

const CANONICAL = /^(?:0|[1-9][0-9]{0,38})$/;
const HEX = /^[0-9a-f]*$/;
const SYMBOL = /^[A-Z0-9._-]{1,16}$/;
const SNAPSHOT_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const TIMESTAMP = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{1,9})?Z$/;
const FILE_NAME = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;
// Python's str.isdigit(): decimal digits and the other digit characters (superscripts,
// circled digits, ...); only used to tell "range" from "non-canonical" on bad input.
const ISDIGIT =
  /^[\p{Nd}\u00b2\u00b3\u00b9\u1369-\u1371\u19da\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247c\u2488-\u2490\u24ea\u24f5-\u24fd\u24ff\u2776-\u277e\u2780-\u2788\u278a-\u2792\u{10a40}-\u{10a43}\u{1f100}-\u{1f10a}]+$/u;

const isObject = (v) => v instanceof Map;
const typeName = (v) => {
  if (v === null) return "NoneType";
  if (v instanceof Map) return "dict";
  if (Array.isArray(v)) return "list";
  return { bigint: "int", string: "str", boolean: "bool" }[typeof v] ?? typeof v;
};
const repr = (v) => JSON.stringify(String(v).slice(0, 80));

/** jsonio.check_fields: an object with exactly `expected` keys. */
export function checkFields(obj, expected, where) {
  if (!isObject(obj)) {
    throw formatError(`${where}: expected an object, got ${typeName(obj)}`, "type", { field: where });
  }
  const missing = expected.filter((k) => !obj.has(k)).sort();
  const unknown = [];
  for (const k of obj.keys()) if (!expected.includes(k)) unknown.push(k);
  if (missing.length || unknown.length) {
    const parts = [];
    if (missing.length) parts.push("missing " + missing.join(", "));
    // Python names every unknown field; a hostile file has hundreds of thousands, which are
    // counted here rather than sorted into a message of megabytes.
    if (unknown.length) {
      parts.push("unknown " + (unknown.length <= 32 ? unknown.sort().join(", ") : `${unknown.length} fields`));
    }
    throw formatError(`${where}: ${parts.join("; ")}`, "fields", { field: where });
  }
  return obj;
}

/** jsonio.check_int: an integer (never a boolean or string) in [lo, hi]. */
export function checkInt(value, where, lo, hi) {
  if (typeof value !== "bigint") {
    throw formatError(`${where}: expected an integer, got ${typeName(value)}`, "type", { field: where });
  }
  if (value < BigInt(lo) || value > BigInt(hi)) {
    throw formatError(`${where}: ${value} is outside [${lo}, ${hi}]`, "range", { field: where });
  }
  return value;
}

/** jsonio.hex_bytes: exactly `length` bytes of lower-case hex, no 0x. */
export function hexBytes(value, where, length) {
  if (typeof value !== "string" || value.length !== 2 * length || !HEX.test(value)) {
    const shown = typeof value === "string" ? value.slice(0, 80) : typeName(value);
    throw formatError(`${where}: expected ${2 * length} lower-case hex digits, got ${JSON.stringify(shown)}`, "hex", {
      field: where,
    });
  }
  return fromLowerHex(value);
}

// Digit values for the lower-case hex a parser has already checked: a v2 proof carries tens
// of thousands of hashes, and a table lookup is many times cheaper than parseInt per byte.
const NIBBLE = new Uint8Array(128);
for (let d = 0; d < 16; d += 1) NIBBLE["0123456789abcdef".charCodeAt(d)] = d;

/** Bytes of lower-case hex that is known to be valid (no check: hexBytes checks it first). */
function fromLowerHex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = (NIBBLE[text.charCodeAt(2 * i)] << 4) | NIBBLE[text.charCodeAt(2 * i + 1)];
  return out;
}

export function fromHex(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** amounts.parse_canonical_int: "0" or a non-zero digit then digits, below 2^128. */
export function parseCanonicalInt(text, what = "amount") {
  if (typeof text !== "string") {
    throw formatError(`${what}: expected a decimal string, got ${typeName(text)}`, "type", { field: what });
  }
  if (!CANONICAL.test(text)) {
    let code = text.startsWith("-") ? "negative" : "non-canonical";
    if (code === "non-canonical" && ISDIGIT.test(text) && [...text].length > 39) code = "range";
    throw formatError(`${what}: ${repr(text)} is not a canonical non-negative integer`, code, {
      field: what,
      value: text.slice(0, 80),
    });
  }
  const value = BigInt(text);
  if (value >= AMOUNT_LIMIT) {
    throw formatError(`${what}: ${value} is outside [0, 2^128)`, "range", { field: what, value });
  }
  return value;
}

/** amounts.format_units: base units as asset units with exactly `decimals` fractional digits. */
export function formatUnits(value, decimals) {
  const digits = value.toString().padStart(decimals + 1, "0");
  return decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

/** assets.Asset: a symbol [A-Z0-9._-]{1,16} and an integer 0..18 of decimals ("assets" otherwise). */
export function checkAsset(symbol, decimals, where) {
  if (typeof symbol !== "string" || !SYMBOL.test(symbol)) {
    throw formatError(`${where}: asset symbol ${repr(symbol)} must match [A-Z0-9._-]{1,16}`, "assets", {
      field: where,
    });
  }
  if (typeof decimals !== "bigint" || decimals < 0n || decimals > 18n) {
    throw formatError(`${where}: asset ${symbol}: decimals must be an integer 0..18`, "assets", {
      field: where,
    });
  }
  return { symbol, decimals: Number(decimals) };
}

/** assets.check_asset_list: 1..limit assets (255 in v1, 1024 in v2), no symbol twice. */
export function checkAssetList(assets, limit = 255) {
  if (assets.length < 1 || assets.length > limit) {
    throw formatError(`a snapshot has 1..${limit} assets, got ${assets.length}`, "assets");
  }
  const seen = new Set();
  for (const a of assets) {
    if (seen.has(a.symbol)) throw formatError(`asset ${a.symbol} is listed twice`, "assets", { symbol: a.symbol });
    seen.add(a.symbol);
  }
  return assets;
}

/** assets.assets_from_json: [{symbol, decimals}], 1..255 unique symbols. */
export function parseAssets(value, where = "assets") {
  if (!Array.isArray(value)) throw formatError(`${where}: expected a list`, "assets");
  const out = [];
  value.forEach((item, i) => {
    const ok = isObject(item) && item.size === 2 && item.has("symbol") && item.has("decimals");
    if (!ok) {
      throw formatError(`${where}[${i}]: expected exactly the fields decimals, symbol`, "assets", {
        field: `${where}[${i}]`,
      });
    }
    out.push(checkAsset(item.get("symbol"), item.get("decimals"), `${where}[${i}]`));
  });
  return checkAssetList(out);
}

export function checkSnapshotId(value) {
  if (typeof value !== "string" || !SNAPSHOT_ID.test(value)) {
    throw formatError(`snapshot id ${repr(value)} must match [A-Za-z0-9._:-]{1,64}`, "snapshot-id", {
      field: "snapshot_id",
    });
  }
  return value;
}

/** proof.parse_sums: a list of exactly n canonical strings. */
export function parseSums(value, n, where) {
  if (!Array.isArray(value)) {
    throw formatError(`${where}: expected a list of decimal strings`, "type", { field: where });
  }
  if (value.length !== n) {
    throw formatError(`${where}: ${value.length} entries, the snapshot has ${n} assets`, "length", { field: where });
  }
  return value.map((v, i) => parseCanonicalInt(v, `${where}[${i}]`));
}

/** hashing.height_for: the smallest h >= 0 with 2^h >= leafCount (a BigInt >= 1). */
export function heightFor(leafCount) {
  let h = 0;
  while (1n << BigInt(h) < leafCount) h += 1;
  return h;
}

/** proof.Root.from_dict, with Root.check_shape: leaf_count <= 2^height and height the smallest such. */
export function parseRoot(obj, n, where = "root") {
  const d = checkFields(obj, ["hash", "sums", "height", "leaf_count"], where);
  const root = {
    hash: hexBytes(d.get("hash"), `${where}.hash`, 32),
    sums: parseSums(d.get("sums"), n, `${where}.sums`),
    height: Number(checkInt(d.get("height"), `${where}.height`, 0, MAX_HEIGHT)),
    leafCount: checkInt(d.get("leaf_count"), `${where}.leaf_count`, 1, MAX_LEAF_COUNT),
  };
  if (root.leafCount > 1n << BigInt(root.height)) {
    throw formatError(`${where}: leaf_count ${root.leafCount} does not fit a tree of height ${root.height}`,
      "leaf-count", { leaf_count: root.leafCount, height: root.height });
  }
  if (root.height !== heightFor(root.leafCount)) {
    throw formatError(`${where}: height ${root.height} is not the smallest height for ${root.leafCount} leaves`,
      "height", { leaf_count: root.leafCount, height: root.height });
  }
  return root;
}

/** proof.Proof.from_dict: step (1) for a solvent-proof/1 object. */
export function proofFromObject(obj) {
  const d = checkFields(obj, ["format", "snapshot_id", "assets", "leaf", "siblings", "root"], "proof");
  if (d.get("format") !== PROOF_FORMAT) {
    throw formatError(`proof: format ${repr(d.get("format"))} is not "${PROOF_FORMAT}"`, "version", {
      field: "format",
    });
  }
  const snapshotId = checkSnapshotId(d.get("snapshot_id"));
  const assets = parseAssets(d.get("assets"), "proof.assets");
  const n = assets.length;
  const leaf = checkFields(d.get("leaf"), ["index", "hashed_id", "amounts"], "proof.leaf");
  const siblings = d.get("siblings");
  if (!Array.isArray(siblings)) throw formatError("proof.siblings: expected a list", "type");
  if (siblings.length > MAX_HEIGHT) {
    throw formatError(`proof.siblings: ${siblings.length} nodes, at most ${MAX_HEIGHT}`, "length");
  }
  const nodes = siblings.map((sib, k) => {
    const s = checkFields(sib, ["hash", "sums"], `proof.siblings[${k}]`);
    return {
      hash: hexBytes(s.get("hash"), `proof.siblings[${k}].hash`, 32),
      sums: parseSums(s.get("sums"), n, `proof.siblings[${k}].sums`),
    };
  });
  return {
    snapshotId,
    assets,
    leaf: {
      index: checkInt(leaf.get("index"), "proof.leaf.index", 0, MAX_LEAF_COUNT - 1n),
      hashedId: hexBytes(leaf.get("hashed_id"), "proof.leaf.hashed_id", 32),
      amounts: parseSums(leaf.get("amounts"), n, "proof.leaf.amounts"),
    },
    siblings: nodes,
    root: parseRoot(d.get("root"), n, "proof.root"),
  };
}

/** proof.parse_proof: bytes of a proof file -> proof, or SolventError. */
export function parseProof(bytes, name = "proof") {
  return proofFromObject(loadsStrict(bytes, { name, maxBytes: MAX_PROOF_BYTES }));
}

/** manifest.check_timestamp: RFC 3339 UTC, a real date and time. */
export function checkTimestamp(value) {
  const m = typeof value === "string" ? TIMESTAMP.exec(value) : null;
  if (m === null) throw formatError(`taken_at: ${repr(value)} is not an RFC 3339 UTC time like 2026-11-23T00:00:00Z`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  // Date.UTC reads years 0-99 as 1900-1999: set the full year on its own (Python's
  // strptime takes years 0001-9999 as they are).
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, s, 0);
  const valid =
    y >= 1 &&
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo - 1 &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === s;
  if (!valid) throw formatError(`taken_at: ${repr(value)} is not a valid date and time`);
  return value;
}

function checkFileName(name) {
  const ok =
    typeof name === "string" &&
    name.length <= 255 &&
    FILE_NAME.test(name) &&
    !name.split("/").some((part) => part === "." || part === "..");
  if (!ok) throw formatError(`files: ${repr(name)} is not a safe relative file name`, "format", { field: "files" });
  return name;
}

/**
 * manifest.UNSAFE_TEXT_RANGES, the same table (a test keeps the two equal): code points no
 * exchange name may hold. Controls, line and paragraph separators, bidi controls, invisible
 * and blank-looking characters (zero-width, byte-order mark, tags, variation selectors,
 * Hangul fillers, braille blank), format characters, private use, surrogates and
 * noncharacters.
 */
export const UNSAFE_TEXT_RANGES = [
  [0x0000, 0x001f],
  [0x007f, 0x009f],
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x0600, 0x0605],
  [0x061c, 0x061c],
  [0x06dd, 0x06dd],
  [0x070f, 0x070f],
  [0x0890, 0x0891],
  [0x08e2, 0x08e2],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x2028, 0x202e],
  [0x2060, 0x206f],
  [0x2800, 0x2800],
  [0x3164, 0x3164],
  [0xd800, 0xdfff],
  [0xe000, 0xf8ff],
  [0xfdd0, 0xfdef],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff0, 0xfffb],
  [0xfffe, 0xffff],
  [0x110bd, 0x110bd],
  [0x110cd, 0x110cd],
  [0x13430, 0x1343f],
  [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a],
  [0xe0000, 0xe0fff],
  [0xf0000, 0x10ffff],
];

/** manifest.is_control: a code point in UNSAFE_TEXT_RANGES (a lone surrogate is one code point here too). */
export const isControl = (o) => UNSAFE_TEXT_RANGES.some(([low, high]) => low <= o && o <= high);

/** manifest.check_exchange_name: blank as Python's str.strip() sees it (stripSpace), at most 200 characters,
 * white space only as single plain spaces between words. */
export function checkExchange(value) {
  if (typeof value !== "string" || stripSpace(value) === "" || [...value].length > 200) {
    throw formatError("exchange: expected a non-empty name of at most 200 characters");
  }
  for (const c of value) {
    const o = c.codePointAt(0);
    if (isControl(o)) {
      const shown = o.toString(16).toUpperCase().padStart(4, "0");
      throw formatError(
        `exchange: contains control characters, bidi controls, invisible characters or line breaks (U+${shown})`,
      );
    }
  }
  if (value.normalize("NFC") !== value) {
    throw formatError("exchange: not in Unicode Normalization Form C (combining marks must be composed)");
  }
  const space = [...value].find((c) => c !== " " && PY_SPACE.has(c.codePointAt(0)));
  if (space !== undefined || stripSpace(value) !== value || value.includes("  ")) {
    throw formatError("exchange: white space other than single plain spaces between words");
  }
  return value;
}

/** manifest.parse_files: safe relative names, each bound to a SHA-256 (64 lower-case hex); a Map. */
export function parseFiles(files) {
  if (!isObject(files)) throw formatError("snapshot.files: expected an object of file name -> sha256 hex");
  const checked = new Map();
  for (const [name, digest] of files) {
    checked.set(checkFileName(name), toHex(hexBytes(digest, `snapshot.files[${JSON.stringify(name)}]`, 32)));
  }
  return checked;
}

/** manifest.Manifest.from_dict, checks in the same order as the Python constructor call. */
export function manifestFromObject(obj) {
  const d = checkFields(obj, ["format", "exchange", "snapshot_id", "taken_at", "assets", "root", "files"], "snapshot");
  if (d.get("format") !== MANIFEST_FORMAT) {
    throw formatError(`snapshot: format ${repr(d.get("format"))} is not "${MANIFEST_FORMAT}"`, "version");
  }
  const assets = parseAssets(d.get("assets"), "snapshot.assets");
  const checked = parseFiles(d.get("files"));
  return {
    exchange: checkExchange(d.get("exchange")),
    snapshotId: checkSnapshotId(d.get("snapshot_id")),
    takenAt: checkTimestamp(d.get("taken_at")),
    assets,
    root: parseRoot(d.get("root"), assets.length, "snapshot.root"),
    files: checked,
  };
}

/** manifest.parse_manifest */
export function parseManifest(bytes, name = "snapshot.json") {
  return manifestFromObject(loadsStrict(bytes, { name }));
}

// Python's str.strip() with no argument strips the characters for which str.isspace() is
// true; JavaScript's trim() differs (it strips U+FEFF, keeps U+001C..U+001F and U+0085).
const PY_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** Python's `text.strip()`: surrounding whitespace removed, as str.isspace() defines it. */
export function stripSpace(text) {
  let start = 0;
  let end = text.length;
  while (start < end && PY_SPACE.has(text.charCodeAt(start))) start += 1;
  while (end > start && PY_SPACE.has(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(start, end);
}

const HEX_DIGIT = /^[0-9a-fA-F]$/;

/**
 * ids.parse_hashed_id: a Hashed Client ID as a customer pastes it: 64 hex digits, either
 * case, surrounding whitespace forgiven; anything else is a "hex" error (as Python's InputError
 * of code hex) saying what is wrong.
 * @param {string} text
 * @returns {Uint8Array} the 32 bytes
 */
export function parseHashedId(text) {
  const cleaned = [...stripSpace(String(text))];
  if (cleaned.length !== 64) {
    throw inputError(`a hashed client id is 64 hex digits; this one has ${cleaned.length} characters`, {
      field: "hashed_id",
      length: cleaned.length,
    }, "hex");
  }
  const bad = cleaned.find((c) => !HEX_DIGIT.test(c));
  if (bad !== undefined) {
    throw inputError(`a hashed client id is 64 hex digits; ${JSON.stringify(bad)} is not a hex digit`, {
      field: "hashed_id",
    }, "hex");
  }
  return fromHex(cleaned.join("").toLowerCase());
}

export { SolventError };
