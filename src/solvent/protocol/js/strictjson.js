// Strict JSON, mirroring src/solvent/protocol/strictjson.py `loads_strict` (threat L18).
//
// JSON.parse accepts what a security format must not: duplicate keys (the last wins),
// floats, integers beyond 2^53 rounded silently. This parser reads UTF-8 bytes and
// rejects, with the same error codes as the Python verifier and in the same order:
//   too-large, json-bom, json-encoding, json-syntax (also nesting deeper than 64),
//   json-float, json-constant (NaN, Infinity), json-int (more than 20 digits),
//   json-duplicate-key (checked when an object closes, as Python's object_pairs_hook).
// Values: objects are Maps (no prototype keys), integers are BigInt (never a float),
// strings, booleans, null and arrays as usual.
//
// Every step is one pass over the input, with no regular expression that can backtrack:
// a proof is hostile input of up to 4 MiB, and a scan that is quadratic in it (thousands
// of escaped quotes in an unterminated string, say) hangs the customer's tab.

import { formatError } from "./errors.js";

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
export const MAX_DEPTH = 64;
const MAX_INT_DIGITS = 20;
const ESCAPES = Object.assign(Object.create(null), {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
});
const CHUNK = 8192;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SMALL = Array.from({ length: 1024 }, (_, k) => BigInt(k));

class Reject extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

function syntax(message, at) {
  return new Reject(`not valid JSON: ${message} (char ${at})`, "json-syntax");
}

const isDigit = (c) => c >= 0x30 && c <= 0x39;

/**
 * Count nesting outside strings before parsing, as strictjson.check_depth does: a string
 * runs from a quote to the next unescaped quote or, unterminated, to the end of the input,
 * and the scan moves on past it, so every character is looked at once.
 */
function checkDepth(text, name, limit = MAX_DEPTH) {
  const n = text.length;
  let depth = 0;
  for (let i = 0; i < n; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i += 1;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === QUOTE) break;
        i += d === BACKSLASH ? 2 : 1;
      }
    } else if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > limit) throw formatError(`${name}: nested deeper than ${limit} levels`, "json-syntax");
    } else if (c === 0x5d || c === 0x7d) {
      depth -= 1;
    }
  }
}

class Parser {
  constructor(text) {
    this.s = text;
    this.i = 0;
  }

  ws() {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i += 1;
      else break;
    }
  }

  value() {
    const s = this.s;
    const c = s[this.i];
    if (c === '"') return this.string();
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === "n" && s.startsWith("null", this.i)) {
      this.i += 4;
      return null;
    }
    if (c === "t" && s.startsWith("true", this.i)) {
      this.i += 4;
      return true;
    }
    if (c === "f" && s.startsWith("false", this.i)) {
      this.i += 5;
      return false;
    }
    if (c === "N" && s.startsWith("NaN", this.i)) throw new Reject("NaN is not allowed", "json-constant");
    if (c === "I" && s.startsWith("Infinity", this.i)) throw new Reject("Infinity is not allowed", "json-constant");
    if (c === "-" && s.startsWith("-Infinity", this.i)) throw new Reject("-Infinity is not allowed", "json-constant");
    return this.number();
  }

  /** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][-+]?[0-9]+)?, scanned as Python's C scanner does. */
  number() {
    const s = this.s;
    const start = this.i;
    let i = start;
    if (s.charCodeAt(i) === 0x2d) i += 1;
    if (s.charCodeAt(i) === 0x30) i += 1;
    else if (isDigit(s.charCodeAt(i))) while (isDigit(s.charCodeAt(i))) i += 1;
    else throw syntax("expecting a value", start);
    const intEnd = i;
    let isFloat = false;
    if (s.charCodeAt(i) === 0x2e && isDigit(s.charCodeAt(i + 1))) {
      i += 2;
      while (isDigit(s.charCodeAt(i))) i += 1;
      isFloat = true;
    }
    const e = s.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      let j = i + 1;
      const sign = s.charCodeAt(j);
      if (sign === 0x2b || sign === 0x2d) j += 1;
      if (isDigit(s.charCodeAt(j))) {
        while (isDigit(s.charCodeAt(j))) j += 1;
        i = j;
        isFloat = true;
      }
    }
    this.i = i;
    if (isFloat) {
      const shown = s.slice(start, Math.min(i, start + 40));
      throw new Reject(`number ${shown} is not an integer (floats are not allowed)`, "json-float");
    }
    const negative = s.charCodeAt(start) === 0x2d;
    const digits = intEnd - start - (negative ? 1 : 0);
    if (digits > MAX_INT_DIGITS) {
      const shown = s.slice(start, start + 40);
      throw new Reject(`integer ${shown}... has more than ${MAX_INT_DIGITS} digits`, "json-int");
    }
    if (digits > 15) return BigInt(s.slice(start, intEnd));
    // Up to 15 digits a Number is exact: cheaper than BigInt(text), and small values are
    // shared, for documents of a million small integers.
    let v = 0;
    for (let k = intEnd - digits; k < intEnd; k += 1) v = v * 10 + (s.charCodeAt(k) - 0x30);
    if (negative) return -BigInt(v);
    return v < SMALL.length ? SMALL[v] : BigInt(v);
  }

  string() {
    const s = this.s;
    const n = s.length;
    const start = this.i + 1;
    for (let i = start; i < n; i += 1) {
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        this.i = i + 1;
        return s.slice(start, i);
      }
      if (c < 0x20) throw syntax("invalid control character in a string", i);
      if (c === BACKSLASH) return this.escaped(start, i);
    }
    throw syntax("unterminated string", this.i);
  }

  /** The rest of a string from its first backslash at `i`: decoded into one buffer, once. */
  escaped(start, i) {
    const s = this.s;
    const n = s.length;
    // Every error inside a string is json-syntax, so an unterminated string is refused
    // before anything is decoded.
    let end = i;
    while (end < n && s.charCodeAt(end) !== QUOTE) end += s.charCodeAt(end) === BACKSLASH ? 2 : 1;
    if (end >= n) throw syntax("unterminated string", start - 1);
    const units = new Uint16Array(end - start);
    let k = 0;
    for (let j = start; j < i; j += 1) units[k++] = s.charCodeAt(j);
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c < 0x20) throw syntax("invalid control character in a string", i);
      if (c !== BACKSLASH) {
        units[k++] = c;
        i += 1;
        continue;
      }
      const e = s.charCodeAt(i + 1);
      if (e === 0x75) {
        // \uXXXX, a lone surrogate included, as Python decodes it.
        units[k++] = this.hex4(i + 2);
        i += 6;
      } else {
        const decoded = ESCAPES[String.fromCharCode(e)];
        if (decoded === undefined) throw syntax("invalid escape", i);
        units[k++] = decoded.charCodeAt(0);
        i += 2;
      }
    }
    this.i = end + 1;
    const parts = [];
    for (let j = 0; j < k; j += CHUNK) {
      parts.push(String.fromCharCode.apply(null, units.subarray(j, Math.min(k, j + CHUNK))));
    }
    return parts.join("");
  }

  hex4(at) {
    const s = this.s;
    let unit = 0;
    for (let k = at; k < at + 4; k += 1) {
      const c = s.charCodeAt(k);
      let v;
      if (c >= 0x30 && c <= 0x39) v = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) v = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) v = c - 0x37;
      else throw syntax("invalid \\u escape", at);
      unit = unit * 16 + v;
    }
    return unit;
  }

  object() {
    const s = this.s;
    const out = new Map();
    // Python's object_pairs_hook sees a duplicate only once the object is complete, after
    // any error inside a later value: the first duplicate is remembered and reported at "}".
    let duplicate = null;
    this.i += 1;
    this.ws();
    if (s[this.i] === "}") {
      this.i += 1;
      return out;
    }
    for (;;) {
      if (s[this.i] !== '"') throw syntax("expecting a property name in double quotes", this.i);
      const key = this.string();
      this.ws();
      if (s[this.i] !== ":") throw syntax("expecting ':'", this.i);
      this.i += 1;
      this.ws();
      const size = out.size;
      out.set(key, this.value());
      if (out.size === size && duplicate === null) duplicate = key;
      this.ws();
      if (s[this.i] === "}") {
        this.i += 1;
        break;
      }
      if (s[this.i] !== ",") throw syntax("expecting ',' or '}'", this.i);
      this.i += 1;
      this.ws();
    }
    if (duplicate !== null) {
      throw new Reject(`duplicate key ${JSON.stringify(duplicate.slice(0, 80))}`, "json-duplicate-key");
    }
    return out;
  }

  array() {
    const s = this.s;
    this.i += 1;
    this.ws();
    if (s[this.i] === "]") {
      this.i += 1;
      return [];
    }
    const first = this.value();
    this.ws();
    if (s[this.i] === "]") {
      // A list of one element in one exact-size allocation: 4 MiB of lists nested 64 deep
      // are two million of them.
      this.i += 1;
      return [first];
    }
    const out = [first];
    for (;;) {
      if (s[this.i] !== ",") throw syntax("expecting ',' or ']'", this.i);
      this.i += 1;
      this.ws();
      out.push(this.value());
      this.ws();
      if (s[this.i] === "]") {
        this.i += 1;
        return out;
      }
    }
  }
}

/**
 * Parse UTF-8 JSON bytes strictly (strictjson.loads_strict).
 * @param {Uint8Array} bytes
 * @param {{name?: string, maxBytes?: number}} [options]
 */
export function loadsStrict(bytes, { name = "input", maxBytes = DEFAULT_MAX_BYTES } = {}) {
  if (bytes.length > maxBytes) {
    throw formatError(`${name}: ${bytes.length} bytes is larger than the limit of ${maxBytes}`, "too-large");
  }
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw formatError(`${name}: starts with a byte-order mark`, "json-bom");
  }
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (e) {
    throw formatError(`${name}: not UTF-8`, "json-encoding");
  }
  checkDepth(text, name);
  const p = new Parser(text);
  try {
    p.ws();
    const value = p.value();
    p.ws();
    if (p.i !== text.length) throw syntax("extra data", p.i);
    return value;
  } catch (e) {
    if (e instanceof Reject) throw formatError(`${name}: ${e.message}`, e.code);
    if (e instanceof RangeError) throw formatError(`${name}: nested too deeply`, "json-syntax");
    throw e;
  }
}
