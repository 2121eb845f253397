// The browser half of the conformance suite: runs vectors against the protocol's browser
// modules (src/solvent/protocol/js/), as the page imports them, and reports each outcome in
// the shape of the vector file's "expect", with the time it took measured in the page.
// The expected results are not here: tests/conformance/test_browser.py reads them from the
// same vector files as the Python runner and compares.

import { SolventError } from "./static/js/protocol/errors.js";
import { getHasher, nobleHasher } from "./static/js/protocol/hash.js";
import { treeFromCsv } from "./static/js/protocol/liabilities_v2.js";
import { parseHashedId, toHex } from "./static/js/protocol/parse.js";
import { proofBytes } from "./static/js/protocol/proof_bytes.js";
import { verifyManifestSignature } from "./static/js/protocol/signature.js";
import { loadsStrict } from "./static/js/protocol/strictjson.js";
import { parseAnyManifest, parseAnyProof, verifyAnyProofBytes } from "./static/js/protocol/versions.js";

async function fetchBytes(url) {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function outcome(vector, bytes, hasher, manifest, extra) {
  if (vector.kind === "signature") {
    // signing.pub (the vector's bytes) and snapshot.json.sig over the manifest's exact bytes,
    // as the page checks them: the first refusal's code, and which file or rule it is.
    try {
      const result = await verifyManifestSignature(extra.message, extra.signature, bytes);
      return result.checked ? { valid: true } : { unchecked: result.reason };
    } catch (e) {
      if (!(e instanceof SolventError)) throw e;
      return e.code === "bad-signature" ? { error: e.code, rule: e.evidence.rule } : { error: e.code, file: e.evidence.file };
    }
  }
  if (vector.kind === "proof") {
    const options = vector.asked_for ? { askedFor: vector.asked_for } : {};
    const result = await verifyAnyProofBytes(hasher, bytes, manifest, options);
    if (result.version === 1) return { valid: true, anchored: result.anchored };
    // v2: every asset the customer is shown, held ones first, amounts in base units.
    const balances = result.balances.map((b) => ({ symbol: b.symbol, amount: b.amount.toString() }));
    return { valid: true, anchored: result.anchored, balances };
  }
  if (vector.kind === "liabilities-v2") {
    const { root } = await treeFromCsv(hasher, vector.symbol, vector.decimals, bytes);
    const leafCount = Number(root.leafCount);
    return { root: { hash: toHex(root.hash), sum: root.sum.toString(), height: root.height, leaf_count: leafCount } };
  }
  if (vector.kind === "proof-bytes") {
    // The bytes the static site's page writes for a proof it assembled (proof_bytes.js).
    const proof = await parseAnyProof(bytes, "proof", hasher);
    return { bytes: new TextDecoder("utf-8", { fatal: true }).decode(proofBytes(proof)) };
  }
  if (vector.kind === "json") {
    loadsStrict(bytes);
    return { valid: true };
  }
  if (vector.kind === "exchange-name") {
    await parseAnyManifest(bytes, "snapshot.json", hasher); // a manifest whose exchange name is the case
    return { valid: true };
  }
  // ignoreBOM keeps a leading U+FEFF in the text, as Python's bytes.decode("utf-8") does.
  const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  return { hashed_id: toHex(parseHashedId(text)) };
}

/**
 * @param {{name: string, kind: string, manifest: string | null, asked_for: string | null,
 *          symbol: string | null, decimals: number | null}[]} vectors
 * @param {"webcrypto" | "noble"} backend
 * @param {number} limitMs  a vector slower than this is run again (up to three runs in all)
 */
export async function run(vectors, backend, limitMs) {
  const hasher = backend === "noble" ? await nobleHasher() : await getHasher("webcrypto");
  const manifests = new Map();
  const out = {};
  for (const vector of vectors) {
    const bytes = await fetchBytes(`vectors/${vector.name}.bin`);
    let manifest = null;
    if (vector.manifest) {
      if (!manifests.has(vector.manifest)) {
        manifests.set(vector.manifest, await parseAnyManifest(await fetchBytes(`vectors/${vector.manifest}`), "snapshot.json", hasher));
      }
      manifest = manifests.get(vector.manifest);
    }
    // A signature vector's other two files: the manifest it signs and its snapshot.json.sig.
    const extra = vector.message
      ? { message: await fetchBytes(`vectors/${vector.message}`), signature: await fetchBytes(`vectors/${vector.name}.sig`) }
      : null;
    const results = [];
    let ms = Infinity;
    // The time is the best of up to three runs, each started after a full garbage collection
    // (Chromium runs with --expose-gc here), so that neither the previous vector's garbage nor
    // a moment of load on a shared test machine is billed to this one.
    for (let attempt = 0; attempt < 3 && ms > limitMs; attempt += 1) {
      globalThis.gc?.();
      const start = performance.now();
      let result;
      try {
        result = await outcome(vector, bytes, hasher, manifest, extra);
      } catch (e) {
        result = e instanceof SolventError ? { error: e.code } : { exception: `${e.name}: ${e.message}` };
      }
      ms = Math.min(ms, performance.now() - start);
      results.push(JSON.stringify(result));
    }
    const same = results.every((r) => r === results[0]);
    out[vector.name] = {
      result: same ? JSON.parse(results[0]) : { exception: `runs differ: ${results.join(" ")}` },
      ms,
      runs: results.length,
      bytes: bytes.length,
      hasher: hasher.name,
      gc: typeof globalThis.gc === "function",
    };
  }
  return out;
}
