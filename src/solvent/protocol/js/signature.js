// The browser's half of src/solvent/protocol/signature.py and ed25519.py: the manifest's
// Ed25519 signature (docs/spec.md §5 (The snapshot manifest)), read and checked by the same
// rules as `solvent verify`, in the same order, with the same error codes and rule names.
//
// signing.pub and snapshot.json.sig are read as Python reads them: ASCII only, the white
// space of Python's str.strip() around (for ASCII: \t \n \v \f \r, U+001C..U+001F and the
// space; never a no-break or other Unicode space), then exactly 64 / 128 lower-case hex
// digits. Then ed25519.verify's steps 1-4 run here, on BigInts, before WebCrypto sees a
// byte: lengths; S < L; A and R canonical (y < p, not x = 0 with the sign bit set) and on
// the curve; neither of small order. Only step 5, the cofactorless equation, is WebCrypto's:
// WebCrypto's Ed25519 (BoringSSL in Chromium, OpenSSL in node) checks that equation, and
// accepts a small-order key (the neutral point "signs" every message with R = neutral,
// S = 0), which steps 3-4 refuse first.
//
// Every refusal is a SolventError: "format" (a private key file handed over as the public
// key), "hex" (a key or signature text that is not one line of lower-case hex) or
// "bad-signature" with evidence.rule, one of RULES, as in Python's evidence["rule"]. The
// `signature` conformance vectors (tests/conformance) hold both sides to the same answers.

import { SolventError, formatError } from "./errors.js";

export const P = (1n << 255n) - 19n;
export const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const D = (((-121665n * modPow(121666n, P - 2n, P)) % P) + P) % P;

/** The y coordinate of a point of order 8 (the other one is P - Y8). */
export const Y8 = 0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n;

/**
 * The y of every point of small order ([8]P is the neutral point), and only of those.
 *
 * edwards25519 has 8L points, and its points of order dividing 8 form a cyclic group of
 * exactly eight: the neutral point (0, 1); (0, -1) of order 2; (±sqrt(-1), 0) of order 4;
 * and four of order 8, (±x8, y8) and (±x8', -y8). So every small-order point has its y in
 * this set. Conversely, a y gives at most two points (x and -x), and for each y here every
 * point with that y is among the eight (y = 1 and y = -1 have x = 0 only; y = 0, y8 and -y8
 * have both signs of x in the list). So a canonical encoding with one of these y is a point
 * of small order, and with any other y it is not: checking y is exactly Python's
 * _is_small_order ([8]P == neutral) on canonical encodings. tests/conformance checks this
 * set against Python's _is_small_order on all eight points.
 */
export const SMALL_ORDER_Y = Object.freeze([0n, 1n, P - 1n, Y8, P - Y8]);

/** The names of the refusals of step 1-5, as in ed25519.py's evidence["rule"]. */
export const RULES = Object.freeze([
  "length", "s-not-below-l", "key-not-canonical", "key-not-on-curve", "r-not-canonical", "r-not-on-curve",
  "key-small-order", "r-small-order", "equation",
]);

/** signature.py PRIVATE_KEY_MARK: every private key file solvent writes starts with these bytes. */
const PRIVATE_KEY_MARK = "solvent ";
/** Python's bytes.lstrip() (the private key mark is looked for after it). */
const BYTES_SPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]);
/** Python's str.strip() on ASCII text: str.isspace() is true for these and no other ASCII. */
const STR_SPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20]);
const LOWER_HEX = /^[0-9a-f]*$/;

function modPow(base, exponent, modulus) {
  let out = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) out = (out * b) % modulus;
    b = (b * b) % modulus;
  }
  return out;
}

/** The code points of a file's text: a Uint8Array's bytes, or a string's code points. */
function units(data) {
  if (data instanceof Uint8Array) return Array.from(data);
  if (typeof data === "string") return Array.from(data, (c) => c.codePointAt(0));
  throw new TypeError("expected the file's bytes (Uint8Array) or its text");
}

/** `data.decode("ascii").strip()` of a file's code points (units), or null where Python's
 *  decode fails (a byte or character past 0x7F). */
function asciiStripped(codes) {
  for (const c of codes) if (c > 0x7f) return null;
  let start = 0;
  let end = codes.length;
  while (start < end && STR_SPACE.has(codes[start])) start += 1;
  while (end > start && STR_SPACE.has(codes[end - 1])) end -= 1;
  let text = "";
  for (let i = start; i < end; i += 1) text += String.fromCharCode(codes[i]);
  return text;
}

function hexToBytes(text) {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** signature.parse_signature: the 64 bytes of a snapshot.json.sig (one line of 128 lower-case hex digits). */
export function parseSignature(data, name = "snapshot.json.sig") {
  const text = asciiStripped(units(data));
  if (text === null) throw formatError(`${name}: not ASCII hex`); // "format", as in Python (not "hex")
  if (text.length !== 128 || !LOWER_HEX.test(text)) {
    throw formatError(`${name}: expected 128 lower-case hex digits, got ${JSON.stringify(text.slice(0, 80))}`, "hex", { field: name });
  }
  return hexToBytes(text);
}

/**
 * signature.parse_public_key: the 32 bytes of a signing.pub (one line of 64 lower-case hex
 * digits). A private key file is refused as such ("format"), and no refusal quotes what the
 * file holds: bytes handed over as a public key may be somebody's secret.
 */
export function parsePublicKey(data, name = "signing.pub") {
  const codes = units(data);
  let i = 0;
  while (i < codes.length && BYTES_SPACE.has(codes[i])) i += 1;
  if ([...PRIVATE_KEY_MARK].every((c, j) => codes[i + j] === c.charCodeAt(0))) {
    throw formatError(
      `${name}: holds a private key, not a public key: a private key never goes where a public key belongs ` +
        "(give the signing.pub that solvent keygen wrote beside it)",
      "format",
    );
  }
  const text = asciiStripped(codes);
  if (text === null || text.length !== 64 || !LOWER_HEX.test(text)) {
    throw formatError(
      `${name}: not an Ed25519 public key: expected one line of 64 lower-case hex digits, as signing.pub ` +
        `holds it (found ${codes.length} ${data instanceof Uint8Array ? "bytes" : "characters"}, not shown)`,
      "hex",
    );
  }
  return hexToBytes(text);
}

function refused(rule, message) {
  return new SolventError("bad-signature", message, { rule });
}

function littleEndian(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i -= 1) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/**
 * ed25519._decode's checks, without computing x: y < p; the curve has a point with this y
 * (u / v a square mod p, Euler's criterion, where x^2 = u / v with u = y^2 - 1 and
 * v = d y^2 + 1, never 0 as d is not a square); not x = 0 (u = 0) with the sign bit set.
 * Returns y.
 */
function checkEncoding(encoded, what, rule) {
  const n = littleEndian(encoded);
  const sign = n >> 255n;
  const y = n & ((1n << 255n) - 1n);
  if (y >= P) throw refused(`${rule}-not-canonical`, `${what} is not a canonical point encoding (y >= p)`);
  const u = (y * y - 1n + P) % P;
  const v = (D * y * y + 1n) % P;
  const x2 = (u * modPow(v, P - 2n, P)) % P;
  if (x2 !== 0n && modPow(x2, (P - 1n) / 2n, P) !== 1n) throw refused(`${rule}-not-on-curve`, `${what} is not a point of the curve`);
  if (u === 0n && sign === 1n) {
    throw refused(`${rule}-not-canonical`, `${what} is not a canonical point encoding (x = 0 with the sign bit set)`);
  }
  return y;
}

/**
 * ed25519.verify's steps 1-4 (everything but the equation), in its order; throws the
 * "bad-signature" SolventError of the first rule broken.
 */
export function checkStrict(publicKey, signature) {
  if (publicKey.length !== 32 || signature.length !== 64) {
    throw refused("length", `an Ed25519 key is 32 bytes and a signature 64, got ${publicKey.length} and ${signature.length}`);
  }
  if (littleEndian(signature.subarray(32)) >= L) {
    throw refused("s-not-below-l", "the signature's S is not below the group order (non-canonical)");
  }
  const a = checkEncoding(publicKey, "the public key", "key");
  const r = checkEncoding(signature.subarray(0, 32), "the signature's R", "r");
  if (SMALL_ORDER_Y.includes(a)) throw refused("key-small-order", "the public key is a point of small order");
  if (SMALL_ORDER_Y.includes(r)) throw refused("r-small-order", "the signature's R is a point of small order");
}

/**
 * The whole check of `message` (the manifest's exact bytes) against the texts of its
 * snapshot.json.sig and signing.pub (each a Uint8Array of the file's bytes, or its text):
 * the key is read first, then the signature, then steps 1-4, then WebCrypto's equation.
 *
 * Resolves to { checked: true, publicKey } when the signature verifies, or
 * { checked: false, publicKey, reason: "no-subtle" | "no-ed25519" } when this browser
 * cannot run the equation (every other rule has been checked); throws the SolventError of
 * the first refusal ("format" / "hex" with evidence.file, or "bad-signature").
 */
export async function verifyManifestSignature(message, sigData, keyData, subtle = globalThis.crypto?.subtle) {
  let publicKey;
  let signature;
  try {
    publicKey = parsePublicKey(keyData);
  } catch (e) {
    e.evidence.file = "signing.pub";
    throw e;
  }
  try {
    signature = parseSignature(sigData);
  } catch (e) {
    e.evidence.file = "snapshot.json.sig";
    throw e;
  }
  // As verify_manifest_signature: a refusal carries the key and signature it refused.
  const evidence = { public_key: toHex(publicKey), signature: toHex(signature) };
  try {
    checkStrict(publicKey, signature);
  } catch (e) {
    Object.assign(e.evidence, evidence);
    throw e;
  }
  if (!subtle) return { checked: false, publicKey, reason: "no-subtle" };
  let valid;
  try {
    const key = await subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    valid = await subtle.verify({ name: "Ed25519" }, key, signature, message);
  } catch (e) {
    // Steps 1-4 passed, so the key is a canonical point of the curve and the signature 64
    // bytes: a refusal here is a browser without Ed25519 (NotSupportedError), never a verdict.
    return { checked: false, publicKey, reason: "no-ed25519" };
  }
  if (!valid) {
    const e = refused("equation", "the signature does not verify with this public key");
    Object.assign(e.evidence, evidence);
    throw e;
  }
  return { checked: true, publicKey };
}

function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
