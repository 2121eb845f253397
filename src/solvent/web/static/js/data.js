// Where the page's data comes from: the JSON API of `solvent serve`, or the plain files
// of `solvent publish --static` (no server). Both sources answer the same questions in
// the same shapes; neither is trusted: proofs are re-verified by verify.js against the
// manifest, whose bytes the page parses itself.
//
// Static layout (written by src/solvent/web/static_site.py, documented in docs/web.md):
//   data/snapshots.json                   the list, newest first
//   data/s/ID/summary.json                as GET /api/snapshots/ID
//   data/s/ID/layout.json                 {band, prefix_digits, record_size, proofs_per_file, ...}
//   data/s/ID/ids/PREFIX.bin              u64be(first leaf index) || the sorted ids with that hex prefix
//   data/s/ID/proofs/G.bin                u32be(count) || u32be(offset[0..count]) || proofs: the exact
//                                         bytes `solvent prove` writes for leaves G*proofs_per_file ...
//   data/s/ID/tree/B/J.bin                the real nodes of levels B*band .. B*band+band-1
//                                         under node J of level min(B*band+band, height)
//   data/s/ID/<published files>           snapshot.json, .sig, signing.pub, liabilities.csv, ...
//
// A v2 snapshot (layout.json says "version": 2; one tree per asset) differs in:
//   data/s/ID/ids/PREFIX.bin              records id || u32be(proof file) || u32be(slot), sorted by id
//   data/s/ID/proofs/G.bin                as v1's, files filled in id order (at most 64 KiB)
//   data/s/ID/trees/S/B/J.bin             asset S's tree chunks, as v1's with 48-byte records
//   data/s/ID/liabilities/S.csv, ...      every file the manifest binds

import { SolventError } from "./protocol/errors.js";
import { padNode } from "./protocol/verify.js";
import { padNodeV2 } from "./protocol/v2.js";
import { parseAnyManifest } from "./protocol/versions.js";
import { fromHex, toHex } from "./protocol/parse.js";

async function fetchOk(url, what) {
  let response;
  try {
    response = await fetch(url, { cache: "no-cache" });
  } catch (e) {
    throw new SolventError("fetch", `${what}: the server cannot be reached`, { url });
  }
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    const code = body?.error ?? (response.status === 404 ? "not-found" : "fetch");
    throw new SolventError(code, body?.message ?? `${what}: HTTP ${response.status}`, { url, status: response.status });
  }
  return response;
}

const getJson = async (url, what) => (await fetchOk(url, what)).json();
const getBytes = async (url, what) => new Uint8Array(await (await fetchOk(url, what)).arrayBuffer());
const seg = (text) => encodeURIComponent(text);

function decodeRecord(bytes, offset, nAssets) {
  const hash = bytes.slice(offset, offset + 32);
  const sums = [];
  for (let i = 0; i < nAssets; i += 1) {
    let v = 0n;
    const start = offset + 32 + 16 * i;
    for (let j = 0; j < 16; j += 1) v = (v << 8n) | BigInt(bytes[start + j]);
    sums.push(v);
  }
  return { hash, sums };
}

const nodeJson = (level, index, node, padding) => ({
  level,
  index,
  hash: toHex(node.hash),
  sums: node.sums.map(String),
  padding,
});

/** `solvent serve`: GET /api/... */
export class ApiSource {
  constructor(base = "api/") {
    this.base = base;
    this.kind = "api";
  }
  snapshots() {
    return getJson(`${this.base}snapshots`, "snapshot list");
  }
  summary(sid) {
    return getJson(`${this.base}snapshots/${seg(sid)}`, "snapshot summary");
  }
  fileUrl(sid, name) {
    return `${this.base}snapshots/${seg(sid)}/files/${name}`;
  }
  file(sid, name) {
    return getBytes(this.fileUrl(sid, name), name);
  }
  proofBytes(sid, hashedIdHex) {
    return getBytes(`${this.base}snapshots/${seg(sid)}/proofs/${hashedIdHex}`, "proof");
  }
  /** A node and its two children (padding included), as the API's tree endpoint; `symbol`: asset S's tree (v2). */
  node(sid, level, index, symbol = null) {
    const path = symbol === null ? `tree/${level}/${index}` : `trees/${seg(symbol)}/${level}/${index}`;
    return getJson(`${this.base}snapshots/${seg(sid)}/${path}`, "tree node");
  }
}

/** `solvent publish --static`: plain files: proofs from id shards and proof files, the tree from chunks. */
export class StaticSource {
  constructor(hasher, base = "data/") {
    this.base = base;
    this.hasher = hasher;
    this.kind = "static";
    this.cache = new Map();
  }
  cached(key, load) {
    if (!this.cache.has(key)) {
      const p = load();
      this.cache.set(key, p);
      p.catch(() => this.cache.delete(key));
    }
    return this.cache.get(key);
  }
  dir(sid) {
    return `${this.base}s/${seg(sid)}/`;
  }
  snapshots() {
    return getJson(`${this.base}snapshots.json`, "snapshot list");
  }
  summary(sid) {
    return getJson(`${this.dir(sid)}summary.json`, "snapshot summary");
  }
  fileUrl(sid, name) {
    return `${this.dir(sid)}${name}`;
  }
  file(sid, name) {
    return getBytes(this.fileUrl(sid, name), name);
  }
  layout(sid) {
    return this.cached(`layout/${sid}`, async () => {
      const layout = await getJson(`${this.dir(sid)}layout.json`, "site layout");
      const manifest = await parseAnyManifest(await this.file(sid, "snapshot.json"), "snapshot.json", this.hasher);
      if ((manifest.version ?? 1) !== (layout.version ?? 1)) throw new SolventError("format", "layout.json and snapshot.json disagree on the version");
      return { ...layout, manifest };
    });
  }
  chunk(sid, folder, band, j) {
    return this.cached(`chunk/${sid}/${folder}/${band}/${j}`, () => getBytes(`${this.dir(sid)}${folder}${band}/${j}.bin`, "tree chunk"));
  }

  /** One tree's shape: v1's one tree, or asset `symbol`'s tree of a v2 snapshot (its root from the manifest). */
  async shape(sid, symbol) {
    const L = await this.layout(sid);
    const m = L.manifest;
    if (symbol === null) {
      return { L, folder: "tree/", height: m.root.height, leafCount: Number(m.root.leafCount), n: m.assets.length,
        root: { hash: m.root.hash, sums: m.root.sums }, pad: (level) => padNode(this.hasher, level, m.assets.length) };
    }
    const tree = m.assets.find((t) => t.symbol === symbol);
    if (m.version !== 2 || !tree) throw new SolventError("not-found", `no tree for ${symbol} in snapshot ${sid}`);
    const pad = async (level) => {
      const p = await padNodeV2(this.hasher, level, symbol);
      return { hash: p.hash, sums: [p.sum] };
    };
    const root = tree.root.leafCount === 0n ? await pad(0) : { hash: tree.root.hash, sums: [tree.root.sum] };
    return { L, folder: `trees/${seg(symbol)}/`, height: tree.root.height, leafCount: Number(tree.root.leafCount), n: 1, root, pad };
  }

  /** The node at (level, index) from its chunk; padding beyond the real nodes; the root from the manifest. */
  async treeNode(sid, level, index, symbol = null) {
    const { L, folder, height, leafCount, n, root, pad } = await this.shape(sid, symbol);
    const levelCount = (k) => Math.ceil(leafCount / 2 ** k);
    if (level === height) return { node: root, padding: leafCount === 0 };
    if (index >= levelCount(level)) return { node: await pad(level), padding: true };
    const band = Math.floor(level / L.band);
    const bottom = band * L.band;
    const top = Math.min(bottom + L.band, height);
    const j = Math.floor(index / 2 ** (top - level));
    const bytes = await this.chunk(sid, folder, band, j);
    let offset = 0;
    for (let k = bottom; k < level; k += 1) {
      const width = 2 ** (top - k);
      offset += Math.max(0, Math.min(levelCount(k) - j * width, width));
    }
    const at = (offset + index - j * 2 ** (top - level)) * L.record_size;
    if (at + L.record_size > bytes.length) throw new SolventError("format", "a tree chunk is shorter than its layout");
    return { node: decodeRecord(bytes, at, n), padding: false };
  }

  async node(sid, level, index, symbol = null) {
    const { height } = await this.shape(sid, symbol);
    if (!(Number.isInteger(level) && level >= 0 && level <= height && index >= 0 && index < 2 ** (height - level))) {
      throw new SolventError("index", `no node at level ${level}, index ${index}`);
    }
    const own = await this.treeNode(sid, level, index, symbol);
    const out = nodeJson(level, index, own.node, own.padding);
    if (level > 0) {
      out.children = [];
      for (const k of [0, 1]) {
        const child = await this.treeNode(sid, level - 1, 2 * index + k, symbol);
        out.children.push(nodeJson(level - 1, 2 * index + k, child.node, child.padding));
      }
    }
    return out;
  }

  /**
   * The proof `solvent publish --static` wrote for this id, as the exact bytes the server
   * answers: the leaf index from the id's shard, then the proof's slice of its proof file.
   * The page never writes a proof; verify.js checks these bytes against the signed root.
   */
  async proofBytes(sid, hashedIdHex) {
    const L = await this.layout(sid);
    if (L.version === 2) return this.proofBytesV2(sid, L, hashedIdHex);
    const shard = await getBytes(`${this.dir(sid)}ids/${hashedIdHex.slice(0, L.prefix_digits)}.bin`, "id shard");
    if (shard.length < 8 || (shard.length - 8) % 32 !== 0) throw new SolventError("format", "an id shard has a bad size");
    const first = Number(new DataView(shard.buffer, shard.byteOffset).getBigUint64(0));
    const target = fromHex(hashedIdHex);
    let lo = 0;
    let hi = (shard.length - 8) / 32;
    let found = -1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const at = 8 + 32 * mid;
      let cmp = 0;
      for (let i = 0; i < 32 && cmp === 0; i += 1) cmp = shard[at + i] - target[i];
      if (cmp < 0) lo = mid + 1;
      else if (cmp > 0) hi = mid;
      else {
        found = mid;
        break;
      }
    }
    if (found < 0) {
      throw new SolventError("not-found", `hashed id ${hashedIdHex} is not in snapshot ${sid}`, {
        hashed_id: hashedIdHex,
        snapshot_id: sid,
      });
    }
    const index = first + found;
    const perFile = L.proofs_per_file;
    const group = Math.floor(index / perFile);
    return this.proofSlice(sid, group, index - group * perFile);
  }

  /** v2: the id's record in its shard (id || u32be(file) || u32be(slot)), then that slot of that proof file. */
  async proofBytesV2(sid, L, hashedIdHex) {
    const size = L.id_record_size;
    const shard = await getBytes(`${this.dir(sid)}ids/${hashedIdHex.slice(0, L.prefix_digits)}.bin`, "id shard");
    if (size !== 40 || shard.length % size !== 0) throw new SolventError("format", "an id shard has a bad size");
    const target = fromHex(hashedIdHex);
    let lo = 0;
    let hi = shard.length / size;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const at = size * mid;
      let cmp = 0;
      for (let i = 0; i < 32 && cmp === 0; i += 1) cmp = shard[at + i] - target[i];
      if (cmp < 0) lo = mid + 1;
      else if (cmp > 0) hi = mid;
      else {
        const view = new DataView(shard.buffer, shard.byteOffset + at + 32, 8);
        return this.proofSlice(sid, view.getUint32(0), view.getUint32(4));
      }
    }
    throw new SolventError("not-found", `hashed id ${hashedIdHex} is not in snapshot ${sid}`, {
      hashed_id: hashedIdHex,
      snapshot_id: sid,
    });
  }

  /** Proof `j` of proof file `group`: u32be(count) || u32be(offset[0..count]) || proofs. */
  async proofSlice(sid, group, j) {
    const file = await getBytes(`${this.dir(sid)}proofs/${group}.bin`, "proof file");
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    const count = file.length >= 4 ? view.getUint32(0) : 0;
    const header = 4 + 4 * (count + 1);
    if (j >= count || header > file.length) throw new SolventError("format", "a proof file does not hold this leaf");
    const start = view.getUint32(4 + 4 * j);
    const end = view.getUint32(8 + 4 * j);
    if (!(start <= end && header + end <= file.length)) throw new SolventError("format", "a proof file's offsets are out of range");
    return file.slice(header + start, header + end);
  }
}

/** The source the page was published for (the <meta name="solvent-data"> element). */
export function openSource(hasher) {
  const mode = document.querySelector('meta[name="solvent-data"]')?.content;
  return mode === "static" ? new StaticSource(hasher) : new ApiSource();
}
