// The offline kit: one zip the browser writes from the snapshot's files, to check everything
// again without this page and without solvent installed:
//
//   solvent-kit-ID/README.txt            what is in it and the commands to run
//   solvent-kit-ID/solvent_verify.py     `solvent verify` and `solvent audit` in one standard-library
//                                        Python file, generated from solvent's own modules
//                                        (src/solvent/web/kit.py; GET api/kit/, or data/ of a static site)
//   solvent-kit-ID/proof-XXXX.json       the customer's proof: the exact bytes this page verified
//   solvent-kit-ID/public/...            snapshot.json, .sig, signing.pub and every file the signed
//                                        manifest binds, in their folders (liabilities/, tree/S/):
//                                        the layout `solvent audit public` reads
//
// The files are streamed into the zip (fflate, vendored) one after the other, stored as they
// are (tree files) or deflated (text); the public files are not checked here: the kit's
// `audit` checks every file against the signed manifest. Two things are checked, because
// nothing in the kit would: solvent_verify.py must hash to the SHA-256 the page was published
// with (static/kit.json, beside the page's own code: src/solvent/web/page.py), and every name
// in the zip comes from the signed manifest's snapshot_id (as the protocol parser validated
// it), which must be the id the snapshot was listed and fetched under. Loaded only when the
// kit is asked for.

import { Zip, ZipDeflate, ZipPassThrough, strToU8 } from "../vendor/fflate-0.8.3/browser.js";

// Every word this module writes, in one place (the page's own words about the kit are in app.js).
export const TEXT = {
  tooLarge: "the kit would be larger than 4 GiB, more than a zip without Zip64 holds: download public/ file by file",
  badId: "the snapshot's listed id is not its signed manifest's snapshot_id",
  badVerifier: "solvent_verify.py does not hash to the SHA-256 the page was published with",
  readme: ({ exchange, sid, takenAt, key, proof, reportLine, nodeNote, verifier }) => [
    `Offline kit: ${exchange}, snapshot ${sid}, taken at ${takenAt}`,
    "",
    "What is here",
    "  public/             the snapshot's published files, in the folders solvent reads them from:",
    "                      snapshot.json (the signed manifest), snapshot.json.sig, signing.pub,",
    "                      and every file the manifest binds (liabilities, tree files, reserves)",
    proof
      ? `  ${proof.padEnd(19)} your inclusion proof: the exact bytes the page verified`
      : "  (no proof: the kit was made before you looked up your balance)",
    "  solvent_verify.py   `solvent verify` and `solvent audit` in one file, on Python's standard",
    "                      library alone (generated from solvent's own source; read it)",
    "",
    "The signing key the page checked the manifest's signature with (check it against the one",
    "the exchange publishes elsewhere):",
    `  ${key}`,
    "",
    "solvent_verify.py came from the exchange's site, like the rest of this kit. The page checked",
    `that its SHA-256 is the one the page was published with (solvent ${verifier.version}):`,
    `  ${verifier.sha256}`,
    "Check it independently before you trust its answers: in a fresh virtual environment,",
    `  pip install solvent==${verifier.version}`,
    `  python3 -c "import hashlib; from solvent.web.kit import verifier_source; print(hashlib.sha256(verifier_source().encode()).hexdigest())"`,
    "prints the digest solvent itself makes; compare it with `sha256sum solvent_verify.py`. Or skip",
    "solvent_verify.py and run the same commands with solvent installed (below).",
    "",
    "Run, in this folder, with Python 3.11 or later (nothing to install):",
    ...(proof ? [`  python3 solvent_verify.py verify ${proof} --snapshot public/snapshot.json --public-key ${key}`] : []),
    `  python3 solvent_verify.py audit public --public-key ${key}`,
    "",
    "Or with solvent installed (pip install solvent), the same commands and answers:",
    ...(proof ? [`  solvent verify ${proof} --snapshot public/snapshot.json --public-key ${key}`] : []),
    `  solvent audit public --public-key ${key}`,
    ...(reportLine ? [`  ${reportLine}`, ...nodeNote.map((l) => `    ${l}`)] : []),
    "",
    "Exit codes: 0 everything checks out; 1 the data does not check out (the evidence is printed);",
    "2 a usage error, unreadable input or an unsupported version; 3 'audit --asset': the audited",
    "trees passed, the others were not checked.",
    "",
  ].join("\n"),
};

const VERIFIER = "solvent_verify.py";
/** The verifier's expected SHA-256, generated with the page (src/solvent/web/page.py kit_asset). */
const KIT_JSON = "static/kit.json";
// fflate writes no Zip64: sizes and offsets must stay under 4 GiB (checked, never wrapped).
const ZIP_LIMIT = 0xffffffff - (1 << 20);

/** Where the verifier is: the server's API, or the static site's data/. */
export function verifierUrl(source) {
  return source.kind === "static" ? `${source.base}${VERIFIER}` : `${source.base}kit/${VERIFIER}`;
}

/** The snapshot's public files, as the manifest binds them (snapshot.json, .sig and signing.pub first). */
export function kitFiles(manifest) {
  // A name the manifest also binds (signing.pub, say) is one entry of the zip, not two.
  return [...new Set(["snapshot.json", "snapshot.json.sig", "signing.pub", ...[...manifest.files.keys()].sort()])];
}

async function fetchOk(url) {
  const response = await fetch(url, { cache: "no-cache" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * The verifier's bytes, checked against static/kit.json (the SHA-256 published with the page's
 * code) with `hasher` (protocol/hash.js); throws `mismatch(got, want)` on any other bytes.
 */
export async function checkedVerifier(source, hasher, mismatch) {
  const [expected, response] = await Promise.all([fetchOk(KIT_JSON), fetchOk(verifierUrl(source))]);
  const { sha256: want, solvent: version } = await expected.json();
  if (typeof want !== "string" || !/^[0-9a-f]{64}$/.test(want)) throw new Error(TEXT.badVerifier);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const got = toHex(await hasher.sha256(bytes));
  if (got !== want) throw mismatch(got, want);
  return { bytes, sha256: got, version: typeof version === "string" && /^[0-9A-Za-z.+-]{1,32}$/.test(version) ? version : "VERSION" };
}

/** Stream `response`'s body into the zip as `name`. */
async function addStreamed(zip, name, response) {
  const entry = /\.(csv|json|txt|py|pub|sig)$/.test(name) ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
  zip.add(entry);
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    entry.push(value, false);
    if (zip.written > ZIP_LIMIT) throw new Error(TEXT.tooLarge);
  }
  entry.push(new Uint8Array(0), true);
}

function addBytes(zip, name, bytes) {
  const entry = new ZipDeflate(name, { level: 6 });
  zip.add(entry);
  entry.push(bytes, true);
}

/**
 * The kit as a Blob. `sid`: the id the snapshot was listed and fetched under (it must be the
 * signed manifest's); `verifier`: checkedVerifier's answer; `proof`: { bytes, name } (the bytes
 * the page verified) or null; `report`: { line, note } (the `solvent report` command the page
 * suggests) or null; `checkedFiles`: a Map of the files the page itself read and checked
 * (snapshot.json, its .sig and signing.pub, reserves.json), which the kit carries as they
 * were checked rather than read again; `progress(done, total)`.
 */
export async function makeKit({ source, sid, manifest, checkedFiles = new Map(), key, verifier, proof, report, progress = () => {} }) {
  if (sid !== manifest.snapshotId) throw new Error(TEXT.badId);
  const top = `solvent-kit-${manifest.snapshotId}/`;
  const chunks = [];
  let failure = null;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else {
      chunks.push(chunk);
      zip.written += chunk.length;
    }
  });
  zip.written = 0;
  const files = kitFiles(manifest);
  const total = files.length + 1;
  addBytes(zip, `${top}README.txt`, strToU8(TEXT.readme({
    exchange: manifest.exchange,
    sid: manifest.snapshotId,
    takenAt: manifest.takenAt,
    key,
    proof: proof?.name ?? null,
    reportLine: report?.line ?? null,
    nodeNote: report?.note ?? [],
    verifier,
  })));
  if (proof) addBytes(zip, `${top}${proof.name}`, proof.bytes);
  addBytes(zip, `${top}${VERIFIER}`, verifier.bytes);
  progress(1, total);
  for (const [i, name] of files.entries()) {
    if (checkedFiles.has(name)) addBytes(zip, `${top}public/${name}`, checkedFiles.get(name));
    else await addStreamed(zip, `${top}public/${name}`, await fetchOk(source.fileUrl(sid, name)));
    if (failure) throw failure;
    progress(i + 2, total);
  }
  zip.end();
  if (failure) throw failure;
  return new Blob(chunks, { type: "application/zip" });
}

/** Save `blob` as `name` (an <a download> on an object URL, released once clicked). */
export function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
