// The hashes of a v2 per-asset sum tree in the browser, mirroring src/solvent/protocol/v2/hashing.py:
// leaf, node and padding nodes of §13.2 (The per-asset tree). Sums are BigInt, checked in
// [0, 2^128) as they are written (v1's encodeSums) and as they are added (sum-overflow).
//
//   leafNodeV2(hasher, symbol, hashedId, amount) -> Promise<{ hash, sum }>
//   parentNodeV2(hasher, left, right, level?, symbol?) -> Promise<{ hash, sum }>
//   padNodeV2(hasher, level, symbol) -> Promise<{ hash, sum }>   (cached per hasher)

import { SolventError, formatError } from "./errors.js";
import { AMOUNT_LIMIT } from "./parse.js";
import { encodeSums, lp, utf8 } from "./verify.js";

/** Where asset `symbol`'s liabilities are published (spec: the v2 manifest's files). */
export const liabilitiesFile = (symbol) => `liabilities/${symbol}.csv`;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;
/** The padding leaves' id: 32 zero bytes, nobody's. */
export const PAD_ID = new Uint8Array(32);

/** leaf_hash = H(0x00 || lp(S) || hashed_id || u128be(amount)) */
export async function leafNodeV2(hasher, symbol, hashedId, amount) {
  if (hashedId.length !== 32) throw formatError("a hashed id is 32 bytes", "length");
  const sym = lp(utf8(symbol));
  const pre = new Uint8Array(1 + sym.length + 32 + 16);
  pre[0] = LEAF_PREFIX;
  pre.set(sym, 1);
  pre.set(hashedId, 1 + sym.length);
  encodeSums([amount], pre, 1 + sym.length + 32);
  return { hash: await hasher.sha256(pre), sum: amount };
}

/** node_hash = H(0x01 || L.hash || u128be(L.sum) || R.hash || u128be(R.sum)); sum-overflow at 2^128 (threat L3). */
export async function parentNodeV2(hasher, left, right, level, symbol = "?") {
  const total = left.sum + right.sum;
  if (total >= AMOUNT_LIMIT) {
    throw new SolventError(
      "sum-overflow",
      `${symbol}: a sum overflows 2^128` + (level === undefined ? "" : ` at level ${level}`),
      { asset: symbol, level: level === undefined ? "?" : level, sum: total },
    );
  }
  const pre = new Uint8Array(1 + 2 * 48);
  pre[0] = NODE_PREFIX;
  pre.set(left.hash, 1);
  encodeSums([left.sum], pre, 33);
  pre.set(right.hash, 49);
  encodeSums([right.sum], pre, 81);
  return { hash: await hasher.sha256(pre), sum: total };
}

const padCache = new WeakMap();

/** pad_level(S): the root of an all-padding subtree of S (level 0 = a padding leaf), cached per hasher. */
export async function padNodeV2(hasher, level, symbol) {
  let cache = padCache.get(hasher);
  if (!cache) padCache.set(hasher, (cache = new Map()));
  let below = null;
  for (let k = 0; k <= level; k += 1) {
    const key = `${k}/${symbol}`;
    if (!cache.has(key)) {
      const node = k === 0 ? await leafNodeV2(hasher, symbol, PAD_ID, 0n) : await parentNodeV2(hasher, below, below, undefined, symbol);
      cache.set(key, node);
    }
    below = cache.get(key);
  }
  return below;
}

