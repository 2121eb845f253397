// The known-answer vector v2 (tests/vectors/kat-v2.json) through the browser's protocol modules,
// as the page imports them: user secrets and hashed ids from uid and master key, every asset
// tree (every level, the padding hashes, the root) rebuilt from the KAT's CSV bytes, the
// manifest parsed and its Ed25519 signature checked (the page's own summary.js), every proof
// verified against it with the customer's uid and secret. Run in Chromium and under node by
// tests/conformance/test_kat_v2_js.py, which compares every value with the KAT; nothing is
// compared here.

import { getHasher, nobleHasher } from "./static/js/protocol/hash.js";
import { fromHex, toHex } from "./static/js/protocol/parse.js";
import * as v2only from "./static/js/protocol/v2.js";
import * as liabilities from "./static/js/protocol/liabilities_v2.js";

// v2.js and, imported from its own module as the page does, the CSV rebuild.
const v2 = { ...v2only, ...liabilities };
import { parseAnyManifest, verifyAnyProofBytes } from "./static/js/protocol/versions.js";
import { checkSignature } from "./static/js/summary.js";

const utf8 = (text) => new TextEncoder().encode(text);
const plainNode = (n) => ({ hash: toHex(n.hash), sum: n.sum.toString() });

async function outcome(run) {
  try {
    return { ok: await run() };
  } catch (e) {
    return e.code ? { error: e.code } : { exception: `${e.name}: ${e.message}` };
  }
}

/** The manifest as plain JSON values, in the shape of the KAT's "manifest". */
function plainManifest(m) {
  return {
    format: "solvent-snapshot/2",
    exchange: m.exchange,
    snapshot_id: m.snapshotId,
    taken_at: m.takenAt,
    accounts: Number(m.accounts),
    assets: m.assets.map((a) => ({
      symbol: a.symbol,
      decimals: a.decimals,
      root: { hash: toHex(a.root.hash), sum: a.root.sum.toString(), height: a.root.height, leaf_count: Number(a.root.leafCount) },
    })),
    files: Object.fromEntries(m.files),
  };
}

/**
 * @param {object} kat  kat-v2.json
 * @param {"webcrypto" | "noble"} backend
 * @param {{uid: string, typed: string}[]} typedUids  uids as a customer may type them (another normal form)
 */
export async function checkKatV2(kat, backend, typedUids) {
  const h = backend === "noble" ? await nobleHasher() : await getHasher("webcrypto");
  const out = { hasher: h.name, secrets: [], ids: [], uidRule: [], trees: {}, proofs: [], others: [], asked: [], typed: [] };
  const master = fromHex(kat.master_key);
  for (const a of kat.accounts) {
    const secret = await v2.userSecret(h, master, a.uid);
    out.secrets.push(toHex(secret));
    out.ids.push(toHex(await v2.hashedId(h, secret, kat.snapshot_id, a.uid)));
    out.uidRule.push((await outcome(async () => v2.checkUidV2(a.uid))).ok ?? "refused");
  }

  const manifestBytes = utf8(kat.manifest_text);
  const manifest = await v2.parseManifestV2(manifestBytes, "snapshot.json", h);
  out.manifest = plainManifest(manifest);
  out.manifestVersion = (await parseAnyManifest(manifestBytes, "snapshot.json", h)).version;
  out.signature = (await checkSignature(manifestBytes, kat.manifest_sig_hex, kat.signing_pub_hex)).state;
  const tampered = utf8(kat.manifest_text.replace('"accounts": 5', '"accounts": 4'));
  out.tamperedSignature = (await checkSignature(tampered, kat.manifest_sig_hex, kat.signing_pub_hex)).state;

  for (const asset of kat.assets) {
    const csv = utf8(kat.liabilities_csv[asset.symbol]);
    const expected = manifest.assets.find((t) => t.symbol === asset.symbol).root;
    const tree = await v2.treeFromCsv(h, asset.symbol, asset.decimals, csv, { expected });
    const pads = [];
    for (let k = 0; k < kat.trees[asset.symbol].pad_hashes_by_level.length; k += 1) {
      pads.push(toHex((await v2.padNodeV2(h, k, asset.symbol)).hash));
    }
    out.trees[asset.symbol] = {
      leaf_order: tree.ids,
      levels: tree.levels.map((level) => level.map(plainNode)),
      pad_hashes_by_level: pads,
      root: { hash: toHex(tree.root.hash), sum: tree.root.sum.toString(), height: tree.root.height, leaf_count: Number(tree.root.leafCount) },
      digest: (await outcome(() => v2.checkFileDigest(h, csv, manifest, `liabilities/${asset.symbol}.csv`))).error ?? "bound",
    };
  }
  // Another asset's root as the expected one: the rebuilt tree must not match it.
  const btc = kat.assets[0];
  out.wrongRoot = await outcome(() =>
    v2.treeFromCsv(h, btc.symbol, btc.decimals, utf8(kat.liabilities_csv[btc.symbol]), { expected: manifest.assets[1].root }),
  );

  const holders = kat.accounts.filter((a) => kat.proofs.find((p) => p.uid === a.uid).proof !== null);
  for (const item of kat.proofs) {
    if (item.proof === null) continue;
    const bytes = utf8(JSON.stringify(item.proof));
    const a = kat.accounts.find((x) => x.uid === item.uid);
    const r = await v2.verifyProofBytesV2(h, bytes, manifest, { uid: a.uid, secret: fromHex(a.user_secret) });
    out.proofs.push({
      uid: item.uid,
      ownerChecked: r.ownerChecked,
      anchored: r.anchored,
      balances: r.balances.map((b) => ({ symbol: b.symbol, amount: b.amount.toString(), held: b.held })),
    });
    // Threat L8: the same proof with another customer's uid and secret must fail.
    const b = holders.find((x) => x.uid !== item.uid);
    out.others.push(await outcome(() => v2.verifyProofBytesV2(h, bytes, manifest, { uid: b.uid, secret: fromHex(b.user_secret) })).then((o) => o.error ?? "accepted"));
    // Looked up by its own id it is accepted; by another holder's id it is refused.
    const own = await outcome(() => verifyAnyProofBytes(h, bytes, manifest, { askedFor: a.hashed_id }));
    const other = await outcome(() => verifyAnyProofBytes(h, bytes, manifest, { askedFor: b.hashed_id }));
    out.asked.push([own.ok ? own.ok.version : own, other.error ?? "accepted"]);
  }
  for (const { uid, typed } of typedUids) {
    const item = kat.proofs.find((p) => p.uid === uid);
    const a = kat.accounts.find((x) => x.uid === uid);
    const bytes = utf8(JSON.stringify(item.proof));
    const r = await outcome(() => v2.verifyProofBytesV2(h, bytes, manifest, { uid: typed, secret: fromHex(a.user_secret) }));
    out.typed.push(r.ok ? r.ok.ownerChecked : r);
  }
  return out;
}
