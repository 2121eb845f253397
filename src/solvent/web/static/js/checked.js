// What the page knows of each snapshot's signed files, read once and shared by every part of
// the page (summary, look-up, tree, kit, history): snapshot.json is fetched once per snapshot,
// its signature is checked over exactly those bytes, and every reader (the proofs a static
// site assembles, View Full Tree, the history chart) takes that one parsed manifest. Never a
// second read: a host could answer each read differently, and the signature would then vouch
// for bytes the page does not draw from.
//
// Also the one rule for showing a reserves verdict from the publisher's documents
// (summary.json, history.json), which are not signed: backedVerdicts.

import { parseAnyManifest } from "./protocol/versions.js";
import { loadsStrict } from "./protocol/strictjson.js";
import { parseCanonicalInt, toHex } from "./protocol/parse.js";

/** A canonical base-unit amount below 2^128 (the protocol's parseCanonicalInt), or null. */
export function amountOf(text) {
  try {
    return parseCanonicalInt(text);
  } catch (e) {
    return null;
  }
}

export class CheckedSnapshots {
  /** `checkSignature(manifestBytes, sigBytes, keyBytes)`: summary.js's, the page's one signature check. */
  constructor(source, hasher, checkSignature) {
    this.source = source;
    this.hasher = hasher;
    this.checkSignature = checkSignature;
    this.manifests = new Map();
    this.signatures = new Map();
    this.reserves = new Map();
    this.files = new Map(); // sid -> Map(name -> the bytes checked), for the offline kit
  }

  /** Keep `bytes` as the checked copy of snapshot `sid`'s file `name`. */
  keep(sid, name, bytes) {
    if (!this.files.has(sid)) this.files.set(sid, new Map());
    this.files.get(sid).set(name, bytes);
    return bytes;
  }

  /** The files of snapshot `sid` the page read and checked so far (name -> bytes). */
  filesOf(sid) {
    return new Map(this.files.get(sid) ?? []);
  }

  /** `load()`'s promise, kept per key (so that concurrent readers share one fetch), dropped if it fails. */
  static once(map, key, load) {
    if (!map.has(key)) {
      const promise = load();
      map.set(key, promise);
      promise.catch(() => map.delete(key));
    }
    return map.get(key);
  }

  /** Snapshot `sid`'s manifest: { bytes, manifest }, from one read of snapshot.json. */
  manifest(sid) {
    return CheckedSnapshots.once(this.manifests, sid, async () => {
      const bytes = await this.source.file(sid, "snapshot.json");
      const manifest = await parseAnyManifest(bytes, "snapshot.json", this.hasher);
      return { bytes: this.keep(sid, "snapshot.json", bytes), manifest };
    });
  }

  /**
   * The page's own Ed25519 check of those same manifest bytes against the snapshot's
   * signing.pub (summary.js checkSignature): { state: "valid" | "invalid" | "unchecked", key, why }.
   */
  signature(sid) {
    return CheckedSnapshots.once(this.signatures, sid, async () => {
      const [{ bytes }, sig, pub] = await Promise.all([
        this.manifest(sid), this.source.file(sid, "snapshot.json.sig"), this.source.file(sid, "signing.pub")]);
      // The files' bytes, not decoded text: a decoder would drop a byte-order mark that
      // solvent verify refuses (protocol/js/signature.js reads them as Python does).
      const result = await this.checkSignature(bytes, sig, pub);
      this.keep(sid, "snapshot.json.sig", sig);
      this.keep(sid, "signing.pub", pub);
      return result;
    });
  }

  /** The manifest and its signature check, of one snapshot, together. */
  async both(sid) {
    const [{ manifest }, signature] = await Promise.all([this.manifest(sid), this.signature(sid)]);
    return { manifest, signature };
  }

  /**
   * What the snapshot's signed reserves.json lists (listedReserves), or null when the manifest
   * binds none, or the file does not hash to the manifest's digest or cannot be read: no
   * reserves verdict may then exceed it (backedVerdicts).
   */
  reservesOf(sid) {
    return CheckedSnapshots.once(this.reserves, sid, async () => {
      const { manifest } = await this.manifest(sid);
      const digest = manifest.files.get("reserves.json");
      if (!digest) return null;
      try {
        const bytes = await this.source.file(sid, "reserves.json");
        if (toHex(await this.hasher.sha256(bytes)) !== digest) return null;
        const listed = listedReserves(loadsStrict(bytes, { name: "reserves.json" }));
        this.keep(sid, "reserves.json", bytes);
        return listed;
      } catch (e) {
        return null;
      }
    });
  }
}

/** Field `key` of a JSON object as protocol/strictjson.js parses it (a Map), or undefined. */
const field = (obj, key) => (obj instanceof Map ? obj.get(key) : undefined);
/** One key for a pair of texts (a wallet's chain and address, an asset and an amount...). */
const pairKey = (...parts) => JSON.stringify(parts);

/** `map[key] += amount` for a Map of BigInt totals. */
const addTo = (map, key, amount) => map.set(key, (map.get(key) ?? 0n) + amount);

/**
 * What a parsed reserves.json lists, or null if it is not of that shape. Per asset: `onchain`,
 * every wallet balance; `observable`, the balances the file says were read on chain (source
 * "observed", in a wallet with a block): the most that solvent.reserves.recheck can count as
 * observed; `offchain`, every off-chain amount (always declared, solvent.report.solvency).
 * Also each wallet's balances by (chain, address), each chain's balances per asset, the
 * off-chain entries, and the manifest key the file names.
 */
function listedReserves(doc) {
  const wallets = field(doc, "wallets");
  const offchain = field(doc, "offchain");
  if (!Array.isArray(wallets) || !Array.isArray(offchain)) return null;
  const out = {
    onchain: new Map(),
    observable: new Map(),
    offchain: new Map(),
    byChain: new Map(), // pairKey(chain, asset) -> total
    wallets: new Map(), // pairKey(chain, address) -> [pairKey(asset, amount), ...]
    offchainRows: [],
    signingKey: null,
  };
  for (const wallet of wallets) {
    const balances = field(wallet, "balances");
    const chain = field(wallet, "chain");
    if (!Array.isArray(balances) || typeof chain !== "string") return null;
    const read = field(wallet, "block") instanceof Map;
    const held = [];
    for (const entry of balances) {
      const asset = field(entry, "asset");
      const amount = amountOf(field(entry, "amount"));
      if (typeof asset !== "string" || amount === null) return null;
      addTo(out.onchain, asset, amount);
      if (read && field(entry, "source") === "observed") addTo(out.observable, asset, amount);
      addTo(out.byChain, pairKey(chain, asset), amount);
      held.push(pairKey(asset, String(amount)));
    }
    const at = pairKey(chain, field(wallet, "address"));
    out.wallets.set(at, [...(out.wallets.get(at) ?? []), ...held]);
  }
  for (const entry of offchain) {
    const asset = field(entry, "asset");
    const amount = amountOf(field(entry, "amount"));
    if (typeof asset !== "string" || amount === null) return null;
    addTo(out.offchain, asset, amount);
    out.offchainRows.push(pairKey(asset, field(entry, "amount"), field(entry, "custodian"), field(entry, "note")));
  }
  const key = field(doc, "signing_key");
  out.signingKey = typeof key === "string" ? key : null;
  return out;
}

/** The page's own reading of a ratio (solvency.py format_ratio): two decimals, rounded down; "-" when nothing is owed. */
export function formatRatio(numerator, denominator) {
  if (denominator === 0n) return "-";
  const h = (numerator * 10000n) / denominator;
  return `${h / 100n}.${String(h % 100n).padStart(2, "0")}%`;
}

/** The result for an asset (solvency.py AssetLine.status): never a pass unless observed reserves cover the liabilities. */
export function statusOf(liabilities, observed, declared) {
  if (observed >= liabilities) return "PASS";
  if (observed + declared >= liabilities) return "DECLARED";
  return "FAIL";
}

/** Each of `items` matched to one of `pool` (a multiset), by key. */
function allListed(items, pool) {
  const left = [...pool];
  return items.every((item) => {
    const at = left.indexOf(item);
    if (at < 0) return false;
    left.splice(at, 1);
    return true;
  });
}

/**
 * Whether every wallet and off-chain row of summary.json's `solvency` is in the signed
 * reserves.json, with the same amounts, each signed entry matched once (a wallet listed
 * twice in the summary but once in the file is refused).
 */
function solvencyListed(solvency, listed) {
  const wallets = Array.isArray(solvency?.wallets) ? solvency.wallets : [];
  const offchain = Array.isArray(solvency?.offchain) ? solvency.offchain : [];
  const pools = new Map([...listed.wallets].map(([at, held]) => [at, [...held]]));
  const seen = new Set();
  const walletsOk = wallets.every((w) => {
    const at = pairKey(w?.chain, w?.address);
    const pool = pools.get(at);
    const balances = Array.isArray(w?.balances) ? w.balances : null;
    if (pool === undefined || balances === null || seen.has(at)) return false;
    seen.add(at);
    return allListed(balances.map((b) => pairKey(b?.asset, String(amountOf(b?.amount)))), pool);
  });
  return walletsOk && allListed(offchain.map((o) => pairKey(o?.asset, o?.amount, o?.custodian, o?.note)), listed.offchainRows);
}

/**
 * Whether the publisher's reserves figures for one snapshot may be shown, and why not.
 * `lines`: its per-asset figures, { symbol, decimals, liabilities, reserves, claims }, with
 * `reserves` = { observed, declared: [on chain, off chain] or [both] } (base units as strings:
 * what it counts as observed and as declared) or null, and `claims` = { status, ratio, ratio_with_declared[,
 * ratio_hundredths] } as it writes them; `listed`: reservesOf's answer; `solvency`: its wallet
 * and off-chain rows (summary.json), or null.
 *
 *   "mismatch"  its liabilities are not the signed manifest's (or an asset is not in it), or a
 *               result or ratio is not what its own amounts give;
 *   "unbound"   the signed manifest binds no reserves.json;
 *   "unsigned"  the manifest's signature did not check valid in this browser;
 *   "exceeds"   it counts more of an asset than the signed reserves.json lists, or lists a
 *               wallet or amount that file does not, or its amounts are not amounts, or
 *               reserves.json names another manifest key or cannot be read;
 *   "shown"     none of these: every figure drawn follows from checked amounts.
 */
/** What the signed reserves.json holds of `asset` on `chain` (its wallets there), for the per-chain split. */
export function heldOnChain(listed, chain, asset) {
  return listed?.byChain.get(pairKey(chain, asset)) ?? 0n;
}

export function backedVerdicts(manifest, signature, lines, listed, solvency = null) {
  const sums = new Map(manifest.assets.map((a, i) => [a.symbol, [manifest.version === 2 ? a.root.sum : manifest.root.sums[i], a.decimals]]));
  const agrees = lines.every((line) => {
    const signed = sums.get(line?.symbol);
    return signed !== undefined && amountOf(line.liabilities) === signed[0] && line.decimals === signed[1];
  });
  if (!agrees) return "mismatch";
  if (!manifest.files.has("reserves.json")) return "unbound";
  if (signature?.state !== "valid") return "unsigned";
  if (!listed || (listed.signingKey !== null && listed.signingKey !== signature.key)) return "exceeds";
  if (solvency !== null && !solvencyListed(solvency, listed)) return "exceeds";
  // Once any reserves are claimed, every asset of the manifest has its line (solvency.assess
  // writes one for each): leaving one out would hide its result.
  const claimed = new Set(lines.filter((line) => line.reserves).map((line) => line.symbol));
  if (claimed.size && manifest.assets.some((a) => !claimed.has(a.symbol))) return "mismatch";
  for (const line of lines) {
    if (!line.reserves) continue;
    const observed = amountOf(line.reserves.observed);
    const declared = (Array.isArray(line.reserves.declared) ? line.reserves.declared : [undefined]).map(amountOf);
    if (observed === null || declared.includes(null)) return "exceeds";
    const counted = declared.reduce((a, b) => a + b, 0n);
    const get = (map) => map.get(line.symbol) ?? 0n;
    // Observed: at most what the file says was read on chain; with the declared part on chain,
    // at most its wallets; off chain (when the line says apart, as summary.json does): at most
    // the file's off-chain entries, which only ever count as declared.
    if (observed > get(listed.observable) || observed + counted > get(listed.onchain) + get(listed.offchain)) return "exceeds";
    if (declared.length === 2 && (observed + declared[0] > get(listed.onchain) || declared[1] > get(listed.offchain))) return "exceeds";
    const owed = sums.get(line.symbol)[0];
    const claims = line.claims ?? {};
    const hundredths = owed === 0n ? null : Number((observed * 10000n) / owed);
    if (claims.status !== statusOf(owed, observed, counted) || claims.ratio !== formatRatio(observed, owed)
      || claims.ratio_with_declared !== formatRatio(observed + counted, owed)
      || ("ratio_hundredths" in claims && claims.ratio_hundredths !== hundredths)) return "mismatch";
  }
  return "shown";
}
