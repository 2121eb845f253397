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
import { toHex } from "./protocol/parse.js";

const CANONICAL = /^(0|[1-9][0-9]{0,38})$/;
const AMOUNT_LIMIT = 1n << 128n;

/** A canonical base-unit amount below 2^128 (spec: canonical integers), or null. */
function amountOf(text) {
  if (typeof text !== "string" || !CANONICAL.test(text)) return null;
  const value = BigInt(text);
  return value < AMOUNT_LIMIT ? value : null;
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
      return { bytes, manifest: await parseAnyManifest(bytes, "snapshot.json", this.hasher) };
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
      return this.checkSignature(bytes, sig, pub);
    });
  }

  /** The manifest and its signature check, of one snapshot, together. */
  async both(sid) {
    const [{ manifest }, signature] = await Promise.all([this.manifest(sid), this.signature(sid)]);
    return { manifest, signature };
  }

  /**
   * What the snapshot's signed reserves.json lists per asset (every wallet balance plus every
   * off-chain amount, in base units) and the manifest key it names, or null when the manifest
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
        return listedReserves(loadsStrict(bytes, { name: "reserves.json" }));
      } catch (e) {
        return null;
      }
    });
  }
}

/** Field `key` of a JSON object as protocol/strictjson.js parses it (a Map), or undefined. */
const field = (obj, key) => (obj instanceof Map ? obj.get(key) : undefined);

/** Per-asset totals and the manifest key of a parsed reserves.json, or null if it is not of that shape. */
function listedReserves(doc) {
  const wallets = field(doc, "wallets");
  const offchain = field(doc, "offchain");
  if (!Array.isArray(wallets) || !Array.isArray(offchain)) return null;
  const totals = new Map();
  const add = (entry) => {
    const asset = field(entry, "asset");
    const amount = amountOf(field(entry, "amount"));
    if (typeof asset !== "string" || amount === null) return false;
    totals.set(asset, (totals.get(asset) ?? 0n) + amount);
    return true;
  };
  for (const wallet of wallets) {
    const balances = field(wallet, "balances");
    if (!Array.isArray(balances) || !balances.every(add)) return null;
  }
  if (!offchain.every(add)) return null;
  const key = field(doc, "signing_key");
  return { totals, signingKey: typeof key === "string" ? key : null };
}

/**
 * Whether the publisher's reserves figures for one snapshot may be shown, and why not:
 * `lines` are its per-asset figures ({ symbol, decimals, liabilities, reserves }, `reserves`
 * the amounts it counts, in base units as strings); `listed`: reservesOf's answer.
 *
 *   "mismatch"  its liabilities are not the signed manifest's (or an asset is not in it);
 *   "unbound"   the signed manifest binds no reserves.json;
 *   "unsigned"  the manifest's signature did not check valid in this browser;
 *   "exceeds"   the figures count more of an asset than the signed reserves.json lists, or
 *               are not amounts, or reserves.json names another manifest key or cannot be read;
 *   "shown"     none of these.
 */
export function backedVerdicts(manifest, signature, lines, listed) {
  const sums = new Map(manifest.assets.map((a, i) => [a.symbol, [manifest.version === 2 ? a.root.sum : manifest.root.sums[i], a.decimals]]));
  const agrees = lines.every((line) => {
    const signed = sums.get(line?.symbol);
    return signed !== undefined && amountOf(line.liabilities) === signed[0] && line.decimals === signed[1];
  });
  if (!agrees) return "mismatch";
  if (!manifest.files.has("reserves.json")) return "unbound";
  if (signature?.state !== "valid") return "unsigned";
  if (!listed || (listed.signingKey !== null && listed.signingKey !== signature.key)) return "exceeds";
  for (const line of lines) {
    if (!line.reserves) continue;
    const counted = line.reserves.map(amountOf);
    if (counted.some((v) => v === null)) return "exceeds";
    if (counted.reduce((a, b) => a + b, 0n) > (listed.totals.get(line.symbol) ?? 0n)) return "exceeds";
  }
  return "shown";
}
