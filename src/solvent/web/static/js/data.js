// Where the page's data comes from: the JSON API of `solvent serve`, or the plain files
// of `solvent publish --static` (no server). Both sources answer the same questions in
// the same shapes; neither is trusted: proofs are re-verified by verify.js against the
// manifest, whose bytes the page parses itself.
//
// Static layout (written by src/solvent/web/static_site.py, documented in docs/web.md):
//   data/snapshots.json                   the list, newest first
//   data/s/ID/summary.json                as GET /api/snapshots/ID
//   data/s/ID/layout.json                 {band, prefix_digits, record_size, height, leaf_count}
//   data/s/ID/ids/PREFIX.bin              u64be(first leaf index) || the sorted ids with that hex prefix
//   data/s/ID/tree/B/J.bin                the real nodes of levels B*band .. B*band+band-1
//                                         under node J of level min(B*band+band, height)
//   data/s/ID/<published files>           snapshot.json, .sig, signing.pub, liabilities.csv, ...
//
// A v2 snapshot (layout.json says "version": 2; one tree per asset) differs in:
//   data/s/ID/ids/PREFIX.bin              u32be(n) || u64be(p0) || n × (id || u64be(end)), sorted by id
//                                         || positions p0 .. end[n-1]: u16be(asset) || u64be(leaf index)
//   data/s/ID/trees/S/B/J.bin             asset S's tree chunks, as v1's with 48-byte records
//   data/s/ID/liabilities/S.csv, ...      every file the manifest binds
//
// No proof is stored: the page reads the leaf and its siblings from the chunks and writes the
// proof's bytes with protocol/proof_bytes.js, the bytes `solvent prove` writes (pinned by the
// conformance vectors); those bytes are verified like a server's and offered for download.

import { SolventError } from "./protocol/errors.js";
import { padNode } from "./protocol/verify.js";
import { padNodeV2 } from "./protocol/v2.js";
import { proofBytes } from "./protocol/proof_bytes.js";
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

/** `solvent publish --static`: plain files: proofs assembled from id shards and tree chunks, the tree from chunks. */
export class StaticSource {
  constructor(hasher, base = "data/") {
    this.base = base;
    this.hasher = hasher;
    this.kind = "static";
    this.cache = new Map();
    // Snapshot `sid`'s parsed manifest: the page sets this to the one it checked the signature
    // of (checked.js), so that the proofs and the tree hang from that manifest and no other read.
    this.manifestOf = async (sid) => parseAnyManifest(await this.file(sid, "snapshot.json"), "snapshot.json", this.hasher);
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
      const [layout, manifest] = await Promise.all([getJson(`${this.dir(sid)}layout.json`, "site layout"), this.manifestOf(sid)]);
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
   * The proof of this id as the exact bytes `solvent prove` writes (and a server answers),
   * written here from the id's shard and the tree chunks (protocol/proof_bytes.js); the page
   * checks these bytes against the signed root like any others, and offers them for download.
   */
  async proofBytes(sid, hashedIdHex) {
    const L = await this.layout(sid);
    const target = fromHex(hashedIdHex);
    const shard = await getBytes(`${this.dir(sid)}ids/${hashedIdHex.slice(0, L.prefix_digits)}.bin`, "id shard");
    const notFound = () => new SolventError("not-found", `hashed id ${hashedIdHex} is not in snapshot ${sid}`, {
      hashed_id: hashedIdHex,
      snapshot_id: sid,
    });
    if (L.version === 2) {
      const holdings = findHoldings(shard, target);
      if (holdings === null) throw notFound();
      return this.assembleV2(sid, L, target, holdings);
    }
    if (shard.length < 8 || (shard.length - 8) % 32 !== 0) throw new SolventError("format", "an id shard has a bad size");
    const found = findId(shard, 8, 32, (shard.length - 8) / 32, target);
    if (found < 0) throw notFound();
    const first = new DataView(shard.buffer, shard.byteOffset).getBigUint64(0);
    return this.assembleV1(sid, L, target, first + BigInt(found));
  }

  /** The leaf's record and its siblings, bottom-up (padding beyond the real nodes), read at once. */
  async path(sid, symbol, height, index) {
    const wanted = [this.treeNode(sid, 0, index, symbol)];
    for (let k = 0; k < height; k += 1) {
      const at = Math.floor(index / 2 ** k); // indexes reach 2^40: no 32-bit bit operators
      wanted.push(this.treeNode(sid, k, at % 2 === 0 ? at + 1 : at - 1, symbol));
    }
    const [leaf, ...siblings] = await Promise.all(wanted);
    return { leaf: leaf.node, siblings: siblings.map((s) => s.node) };
  }

  /** v1: the leaf `index` of the one tree, as a solvent-proof/1. */
  async assembleV1(sid, L, hashedId, index) {
    const m = L.manifest;
    if (index >= m.root.leafCount) throw new SolventError("format", "an id shard points beyond the tree");
    const { leaf, siblings } = await this.path(sid, null, m.root.height, Number(index));
    return proofBytes({
      version: 1,
      snapshotId: m.snapshotId,
      assets: m.assets,
      leaf: { index, hashedId, amounts: leaf.sums },
      siblings,
      root: m.root,
    });
  }

  /** v2: one entry per holding, in manifest order, each from its asset's tree, as a solvent-proof/2. */
  async assembleV2(sid, L, hashedId, holdings) {
    const m = L.manifest;
    const sorted = [...holdings].sort((a, b) => a.asset - b.asset || Number(a.index - b.index));
    const entries = await Promise.all(sorted.map(async ({ asset, index }) => {
      const tree = m.assets[asset];
      if (tree === undefined || index >= tree.root.leafCount) throw new SolventError("format", "an id shard points outside every tree");
      const { leaf, siblings } = await this.path(sid, tree.symbol, tree.root.height, Number(index));
      return {
        symbol: tree.symbol,
        decimals: tree.decimals,
        index,
        amount: leaf.sums[0],
        siblings: siblings.map((s) => ({ hash: s.hash, sum: s.sums[0] })),
        root: tree.root,
      };
    }));
    return proofBytes({ version: 2, snapshotId: m.snapshotId, hashedId, entries });
  }
}

/** The record of `target` among `count` sorted records of `size` bytes from `start` (an id first), or -1. */
function findId(bytes, start, size, count, target) {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const at = start + size * mid;
    let cmp = 0;
    for (let i = 0; i < 32 && cmp === 0; i += 1) cmp = bytes[at + i] - target[i];
    if (cmp < 0) lo = mid + 1;
    else if (cmp > 0) hi = mid;
    else return mid;
  }
  return -1;
}

/**
 * A v2 id shard: u32be(n) || u64be(p0) || n × (id || u64be(end)) || positions p0 .. end[n-1],
 * each u16be(asset) || u64be(leaf index). The holdings of `target`, or null if it holds nothing.
 */
function findHoldings(shard, target) {
  const view = new DataView(shard.buffer, shard.byteOffset, shard.byteLength);
  const bad = () => new SolventError("format", "an id shard has a bad size");
  if (shard.length < 12) throw bad();
  const n = view.getUint32(0);
  const p0 = view.getBigUint64(4);
  const head = 12 + 40 * n;
  if (head > shard.length || (shard.length - head) % 10 !== 0) throw bad();
  const p1 = p0 + BigInt((shard.length - head) / 10);
  const at = findId(shard, 12, 40, n, target);
  if (at < 0) return null;
  const start = at === 0 ? p0 : view.getBigUint64(12 + 40 * at - 8);
  const end = view.getBigUint64(12 + 40 * at + 32);
  if (!(p0 <= start && start < end && end <= p1)) throw new SolventError("format", "an id shard's positions are out of range");
  const out = [];
  for (let p = start; p < end; p += 1n) {
    const offset = head + 10 * Number(p - p0);
    out.push({ asset: view.getUint16(offset), index: view.getBigUint64(offset + 2) });
  }
  return out;
}

/** The source the page was published for (the <meta name="solvent-data"> element). */
export function openSource(hasher) {
  const mode = document.querySelector('meta[name="solvent-data"]')?.content;
  return mode === "static" ? new StaticSource(hasher) : new ApiSource();
}
