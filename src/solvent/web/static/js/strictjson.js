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

import { formatError } from "./errors.js";

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
export const MAX_DEPTH = 64;
const MAX_INT_DIGITS = 20;
const STRUCTURE = /"(?:[^"\\]|\\[^\n])*"|[[\]{}]/g;
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
const ESCAPES = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

class Reject extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

function syntax(message, at) {
  return new Reject(`not valid JSON: ${message} (char ${at})`, "json-syntax");
}

/** Count nesting outside strings before parsing, as jsonio.check_depth does. */
function checkDepth(text, name, limit = MAX_DEPTH) {
  let depth = 0;
  STRUCTURE.lastIndex = 0;
  for (const m of text.matchAll(STRUCTURE)) {
    const piece = m[0];
    if (piece === "[" || piece === "{") {
      depth += 1;
      if (depth > limit) throw formatError(`${name}: nested deeper than ${limit} levels`, "json-syntax");
    } else if (piece === "]" || piece === "}") {
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
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(s);
    if (m !== null && (c === "-" || (c >= "0" && c <= "9"))) {
      this.i += m[0].length;
      if (m[1] !== undefined || m[2] !== undefined) {
        throw new Reject(`number ${m[0].slice(0, 40)} is not an integer (floats are not allowed)`, "json-float");
      }
      const digits = m[0].startsWith("-") ? m[0].length - 1 : m[0].length;
      if (digits > MAX_INT_DIGITS) {
        throw new Reject(`integer ${m[0].slice(0, 40)}... has more than ${MAX_INT_DIGITS} digits`, "json-int");
      }
      return BigInt(m[0]);
    }
    throw syntax("expecting a value", this.i);
  }

  string() {
    const s = this.s;
    let i = this.i + 1;
    let out = "";
    let start = i;
    for (;;) {
      if (i >= s.length) throw syntax("unterminated string", this.i);
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        out += s.slice(start, i);
        this.i = i + 1;
        return out;
      }
      if (c < 0x20) throw syntax("invalid control character in a string", i);
      if (c === 0x5c) {
        out += s.slice(start, i);
        const e = s[i + 1];
        if (e === "u") {
          const unit = this.hex4(i + 2);
          i += 6;
          // A high surrogate followed by an escaped low one is one code point (as Python).
          if (unit >= 0xd800 && unit <= 0xdbff && s[i] === "\\" && s[i + 1] === "u") {
            const low = this.hex4(i + 2);
            if (low >= 0xdc00 && low <= 0xdfff) {
              out += String.fromCharCode(unit, low);
              i += 6;
              start = i;
              continue;
            }
          }
          out += String.fromCharCode(unit);
        } else if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
          out += ESCAPES[e];
          i += 2;
        } else {
          throw syntax("invalid escape", i);
        }
        start = i;
        continue;
      }
      i += 1;
    }
  }

  hex4(at) {
    const h = this.s.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) throw syntax("invalid \\u escape", at);
    return parseInt(h, 16);
  }

  object() {
    const s = this.s;
    const pairs = [];
    this.i += 1;
    this.ws();
    if (s[this.i] === "}") {
      this.i += 1;
      return new Map();
    }
    for (;;) {
      if (s[this.i] !== '"') throw syntax("expecting a property name in double quotes", this.i);
      const key = this.string();
      this.ws();
      if (s[this.i] !== ":") throw syntax("expecting ':'", this.i);
      this.i += 1;
      this.ws();
      pairs.push([key, this.value()]);
      this.ws();
      if (s[this.i] === "}") {
        this.i += 1;
        break;
      }
      if (s[this.i] !== ",") throw syntax("expecting ',' or '}'", this.i);
      this.i += 1;
      this.ws();
    }
    // Checked when the object is complete, as Python's object_pairs_hook is called.
    const out = new Map();
    for (const [key, value] of pairs) {
      if (out.has(key)) throw new Reject(`duplicate key ${JSON.stringify(key)}`, "json-duplicate-key");
      out.set(key, value);
    }
    return out;
  }

  array() {
    const s = this.s;
    const out = [];
    this.i += 1;
    this.ws();
    if (s[this.i] === "]") {
      this.i += 1;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      if (s[this.i] === "]") {
        this.i += 1;
        return out;
      }
      if (s[this.i] !== ",") throw syntax("expecting ',' or ']'", this.i);
      this.i += 1;
      this.ws();
    }
  }
}

/**
 * Parse UTF-8 JSON bytes strictly (jsonio.loads_strict).
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
