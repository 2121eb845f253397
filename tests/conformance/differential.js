// The browser verifier's modules under node for the differential tests: {kind, docs, manifest}
// on stdin (documents in base64), the error code of each (or null) on stdout as JSON.
// kind "json": loadsStrict; kind "proof": verifyAnyProofBytes against the manifest (of either
// version), node's WebCrypto; kind "hashed-id": parseHashedId of the UTF-8 text, answered by its
// hex; kind "manifest": parseAnyManifest; kind "owner-v1": verifyOwnerV1 of a JSON document
// {expected, secret, snapshot_id, uid} (the page's check that a v1 leaf is the customer's).

import { getHasher } from "./static/js/protocol/hash.js";
import { parseHashedId, toHex } from "./static/js/protocol/parse.js";
import { loadsStrict } from "./static/js/protocol/strictjson.js";
import { verifyOwnerV1 } from "./static/js/protocol/verify.js";
import { parseAnyManifest, verifyAnyProofBytes } from "./static/js/protocol/versions.js";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { kind, docs, manifest } = JSON.parse(input);
const bytes = (b64) => Uint8Array.from(Buffer.from(b64, "base64"));
const hasher = await getHasher("webcrypto");
const anchor = manifest ? await parseAnyManifest(bytes(manifest), "snapshot.json", hasher) : null;
const codes = [];
for (const doc of docs) {
  try {
    if (kind === "hashed-id") {
      codes.push(toHex(parseHashedId(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes(doc)))));
      continue;
    }
    if (kind === "owner-v1") {
      const d = JSON.parse(new TextDecoder().decode(bytes(doc)));
      const hex = (h) => Uint8Array.from(Buffer.from(h, "hex"));
      await verifyOwnerV1(hasher, hex(d.expected), hex(d.secret), d.snapshot_id, d.uid);
    } else if (kind === "json") loadsStrict(bytes(doc));
    else if (kind === "manifest") await parseAnyManifest(bytes(doc), "snapshot.json", hasher);
    else await verifyAnyProofBytes(hasher, bytes(doc), anchor);
    codes.push(null);
  } catch (e) {
    codes.push(e.code ?? `exception: ${e.message}`);
  }
}
process.stdout.write(JSON.stringify(codes));
