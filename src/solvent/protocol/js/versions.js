// Which protocol version a snapshot manifest or a proof speaks: the one rule every reader uses,
// mirroring src/solvent/protocol/versions.py. A document names its version in its "format"
// field (solvent-snapshot/1 or /2, solvent-proof/1 or /2); it is parsed once (strict JSON)
// and handed to that version's parser. A format naming no version this release reads is a
// "version" error.
//
//   manifestVersion(map) -> 1 | 2            proofVersion(map) -> 1 | 2
//   parseAnyManifest(bytes, name?, hasher?) -> Promise<manifest>: v1's parseManifest object
//     with version: 1, or v2.js's Manifest (version: 2)
//   parseAnyProof(bytes, name?, hasher?) -> Promise<proof>: v1's parseProof object with
//     version: 1, or v2.js's Proof (version: 2)
//   verifyAnyProofBytes(hasher, bytes, manifest | null, options) -> Promise<result>: the
//     verifier of the manifest's version (a v2 snapshot takes only v2 proofs, a v1 snapshot
//     only v1 proofs: a proof whose format names the other version is a "version" error);
//     without a manifest, the verifier of the proof's own version (v1 when it has no format
//     string). A format string naming no version this release reads is a "version" error.
//     Options ({ askedFor, uid, secret, name }) and results are those of v1's verifyProofBytes
//     or v2's verifyProofBytesV2, with version: 1 or 2 added.

import { formatError } from "./errors.js";
import { MANIFEST_FORMAT, MAX_PROOF_BYTES, PROOF_FORMAT, manifestFromObject, proofFromObject } from "./parse.js";
import { loadsStrict } from "./strictjson.js";
import { verifyProof } from "./verify.js";
import {
  MANIFEST_FORMAT_V2,
  MAX_PROOF_BYTES_V2,
  PROOF_FORMAT_V2,
  manifestV2FromObject,
  proofV2FromObject,
  verifyProofV2,
} from "./v2.js";

const MANIFESTS = new Map([[MANIFEST_FORMAT, 1], [MANIFEST_FORMAT_V2, 2]]);
const PROOFS = new Map([[PROOF_FORMAT, 1], [PROOF_FORMAT_V2, 2]]);
// Both versions bound a proof file alike (4 MiB), so one strict parse serves both.
if (MAX_PROOF_BYTES !== MAX_PROOF_BYTES_V2) throw new Error("v1 and v2 proofs must share one size limit");

function version(obj, known, what) {
  const fmt = obj instanceof Map ? obj.get("format") : undefined;
  if (typeof fmt === "string" && known.has(fmt)) return known.get(fmt);
  const shown = typeof fmt === "string" ? JSON.stringify(fmt.slice(0, 40)) : "missing";
  throw formatError(`${what}: format ${shown} is none of ${[...known.keys()].sort().join(", ")}`, "version", {
    field: "format",
  });
}

/** 1 or 2 for a parsed (strict JSON) manifest object; "version" error otherwise. */
export const manifestVersion = (obj) => version(obj, MANIFESTS, "snapshot");

/** 1 or 2 for a parsed (strict JSON) proof object; "version" error otherwise. */
export const proofVersion = (obj) => version(obj, PROOFS, "proof");

/** The bytes of a snapshot.json of either version -> that version's manifest (with `version`). */
export async function parseAnyManifest(bytes, name = "snapshot.json", hasher = null) {
  const obj = loadsStrict(bytes, { name });
  if (manifestVersion(obj) === 2) return manifestV2FromObject(obj, hasher);
  return { ...manifestFromObject(obj), version: 1 };
}

/** The bytes of a proof of either version -> that version's proof (step 1 of verifying it). */
export async function parseAnyProof(bytes, name = "proof", hasher = null) {
  const obj = loadsStrict(bytes, { name, maxBytes: MAX_PROOF_BYTES });
  if (proofVersion(obj) === 2) return proofV2FromObject(obj, hasher);
  return { ...proofFromObject(obj), version: 1 };
}

/** The format's version if it names one this release reads, else null. */
function knownVersion(obj, known) {
  const fmt = obj instanceof Map ? obj.get("format") : undefined;
  return typeof fmt === "string" && known.has(fmt) ? known.get(fmt) : null;
}

/**
 * Steps (1)-(5) of the verifier of the manifest's version; without a manifest, of the proof's
 * own version (v1 when it has no format string; an unknown format string is a "version"
 * error). The document is parsed once.
 */
export async function verifyAnyProofBytes(hasher, bytes, manifest = null, options = {}) {
  const obj = loadsStrict(bytes, { name: options.name ?? "proof", maxBytes: MAX_PROOF_BYTES });
  const fmt = obj instanceof Map ? obj.get("format") : undefined;
  if (typeof fmt === "string" && !PROOFS.has(fmt)) proofVersion(obj); // names no version we read: "version"
  const named = knownVersion(obj, PROOFS);
  const v = manifest !== null ? (manifest.version ?? 1) : (named ?? 1);
  if (named !== null && named !== v) {
    // A proof of one version cannot be checked against a snapshot of the other.
    throw formatError(`proof: ${obj.get("format")} cannot be checked against a solvent-snapshot/${v} manifest`,
      "version", { field: "format" });
  }
  if (v === 2) return { ...(await verifyProofV2(hasher, await proofV2FromObject(obj, hasher), manifest, options)), version: 2 };
  return { ...(await verifyProof(hasher, proofFromObject(obj), manifest, options)), version: 1 };
}
