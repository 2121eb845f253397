"""`solvent publish --static` for a v2 snapshot: every account's proof assembled from the id
shards and the per-asset tree chunks (here by an independent reader of the documented layout,
and in Chromium by the page itself), byte for byte `solvent prove`'s; per-asset CSVs; no file
over 64 KiB; the same site whatever the number of workers."""

from __future__ import annotations

import base64
import filecmp
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from solvent.pipeline.lookup import proof_bytes
from solvent.protocol.v2.hashing import SumNode, pad_node
from solvent.protocol.v2.manifest import AssetTree, parse_manifest
from solvent.protocol.v2.proof import Entry, Proof
from solvent.tree.store import level_count
from solvent.web.kit import verifier_source
from solvent.web.static_site import VERIFIER_PATH, prefix_digits_for, publish_static
from tests.web.conftest import V1_BESIDE_V2, V2_ID, Mixed, StaticServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def site(mixed: Mixed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("static-v2-files") / "site"
    publish_static(mixed.dirs, out)
    return out


def chunk_node(base: Path, layout: dict[str, Any], tree: AssetTree, level: int, i: int) -> SumNode:
    """Node ``(level, i)`` of asset S's tree from its chunk ``trees/S/B/J.bin`` (padding beyond the real nodes)."""
    height, leaves, band, rec = tree.root.height, tree.root.leaf_count, layout["band"], layout["record_size"]
    if i >= level_count(level, leaves):
        return pad_node(level, tree.symbol)
    if level == height:
        return SumNode(tree.root.hash, tree.root.sum)
    bottom = level // band * band
    top = min(bottom + band, height)
    j = i >> (top - level)
    chunk = (base / "trees" / tree.symbol / str(level // band) / f"{j}.bin").read_bytes()
    offset = sum(max(0, min(level_count(k, leaves) - (j << (top - k)), 1 << (top - k))) for k in range(bottom, level))
    raw = chunk[(offset + i - (j << (top - level))) * rec :][:rec]
    assert len(raw) == rec
    return SumNode(raw[:32], int.from_bytes(raw[32:], "big"))


def holdings(shard: bytes, hashed_id: bytes) -> list[tuple[int, int]]:
    """u32be(n) || u64be(p0) || n x (id || u64be(end)) || positions: the id's (asset, leaf index) pairs."""
    n, p0 = int.from_bytes(shard[:4], "big"), int.from_bytes(shard[4:12], "big")
    records = [shard[12 + 40 * k : 52 + 40 * k] for k in range(n)]
    assert [r[:32] for r in records] == sorted(r[:32] for r in records)
    ends = [int.from_bytes(r[32:], "big") for r in records]
    assert len(shard) == 12 + 40 * n + 10 * ((ends[-1] if n else p0) - p0)
    (at,) = [k for k, r in enumerate(records) if r[:32] == hashed_id]
    start = p0 if at == 0 else ends[at - 1]
    raw = [shard[12 + 40 * n + 10 * (p - p0) :][:10] for p in range(start, ends[at])]
    return [(int.from_bytes(r[:2], "big"), int.from_bytes(r[2:], "big")) for r in raw]


def assembled_proof_v2(root: Path, sid: str, hashed_id: str) -> bytes:
    """id shard -> holdings -> each held asset's leaf and siblings from its chunks -> a solvent-proof/2."""
    base = root / "data" / "s" / sid
    layout = json.loads((base / "layout.json").read_text())
    assert (layout["version"], layout["account_record_size"], layout["position_size"]) == (2, 40, 10)
    manifest = parse_manifest((base / "snapshot.json").read_bytes())
    shard = (base / "ids" / f"{hashed_id[: layout['prefix_digits']]}.bin").read_bytes()
    entries = []
    for asset, index in sorted(holdings(shard, bytes.fromhex(hashed_id))):
        tree = manifest.trees[asset]
        siblings = tuple(chunk_node(base, layout, tree, k, (index >> k) ^ 1) for k in range(tree.root.height))
        entries.append(Entry(tree.asset, index, chunk_node(base, layout, tree, 0, index).sum, siblings, tree.root))
    return Proof(manifest.snapshot_id, bytes.fromhex(hashed_id), tuple(entries)).to_json()


def test_every_accounts_proof_is_assembled_from_shards_and_chunks(site: Path, mixed: Mixed) -> None:
    for account in mixed.v2.accounts:
        assert assembled_proof_v2(site, V2_ID, account.hashed_id) == proof_bytes(mixed.v2.directory, account.hashed_id)
    base = site / "data" / "s" / V2_ID
    manifest = parse_manifest((base / "snapshot.json").read_bytes())
    digits = prefix_digits_for(manifest.accounts)
    shards = sorted((base / "ids").iterdir())
    held = sum(t.root.leaf_count for t in manifest.trees)
    # Every prefix has its shard; every account is in one, every holding once: no proof is stored.
    assert len(shards) == 16**digits and not (base / "proofs").exists()
    assert sum(p.stat().st_size for p in shards) == 12 * 16**digits + 40 * manifest.accounts + 10 * held


def test_the_page_writes_solvent_proves_bytes_for_every_account(
    page: Any, static_site_v2: StaticServer, mixed: Mixed
) -> None:
    """The page's own look-up (data.js and proof_bytes.js) on a plain file server, for every
    account of a v2 and a v1 snapshot: the bytes it verifies and offers for download."""
    page.goto(static_site_v2.url)
    page.wait_for_selector("body[data-ready=true]")
    script = """async ([sid, ids]) => {
      const { StaticSource } = await import("./static/js/data.js");
      const { getHasher } = await import("./static/js/protocol/hash.js");
      const source = new StaticSource(await getHasher());
      const out = [];
      for (const id of ids) {
        try {
          const bytes = await source.proofBytes(sid, id);
          out.push(btoa(String.fromCharCode(...bytes)));
        } catch (e) {
          out.push(e.code);
        }
      }
      return out;
    }"""
    for snap in (mixed.v2, mixed.v1):
        ids = [a.hashed_id for a in snap.accounts]
        got = page.evaluate(script, [snap.snapshot_id, [*ids, "cd" * 32]])
        assert [base64.b64decode(g) for g in got[:-1]] == [proof_bytes(snap.directory, h) for h in ids]
        assert got[-1] == "not-found"
    assert not page.errors


def test_the_same_site_whatever_the_number_of_workers(site: Path, mixed: Mixed, tmp_path: Path) -> None:
    """Shards and chunks written by two worker processes, in units of one file each: the same files."""
    from solvent.web import static_site

    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(static_site, "JOB_FILES", 1)
        publish_static(mixed.dirs, tmp_path / "parallel", workers=2)
    finally:
        mp.undo()
    serial = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    parallel = sorted(p.relative_to(tmp_path / "parallel") for p in (tmp_path / "parallel").rglob("*") if p.is_file())
    assert serial == parallel
    match, mismatch, errors = filecmp.cmpfiles(site, tmp_path / "parallel", [str(p) for p in serial], shallow=False)
    assert (mismatch, errors) == ([], []) and len(match) == len(serial)


def test_no_file_is_large_and_nothing_private(site: Path) -> None:
    """Nothing the site writes exceeds 64 KiB; the published files are copied as they are (a
    per-asset CSV is offered whole, as the server streams it); the one exception is the
    offline kit's verifier and its zip library, one file each per site whatever the data."""
    base = site / "data" / "s" / V2_ID
    bound = {base / name for name in parse_manifest((base / "snapshot.json").read_bytes()).files}
    files = [p for p in site.rglob("*") if p.is_file()]
    assert (site / VERIFIER_PATH).read_text(encoding="utf-8") == verifier_source()
    kit = {site / VERIFIER_PATH, *(site / "static" / "vendor" / "fflate-0.8.3").iterdir()}  # loaded on the kit's click
    written = [p for p in files if p not in bound and p not in kit]
    assert len(written) > 10 and max(p.stat().st_size for p in written) <= 64 * 1024
    assert not any("users.csv" in p.name or "private" in p.parts for p in files)


def test_per_asset_csvs_and_v1_beside(site: Path, mixed: Mixed) -> None:
    base = site / "data" / "s" / V2_ID
    manifest = parse_manifest((base / "snapshot.json").read_bytes())
    for tree in manifest.trees:
        name = f"liabilities/{tree.symbol}.csv"
        assert (base / name).read_bytes() == (mixed.v2.public / name).read_bytes()
        assert hashlib.sha256((base / name).read_bytes()).hexdigest() == manifest.files[name]
    listing = json.loads((site / "data" / "snapshots.json").read_text())
    assert [(s["snapshot_id"], s["version"]) for s in listing] == [(V2_ID, 2), (V1_BESIDE_V2, 1)]
    assert json.loads((site / "data" / "s" / V1_BESIDE_V2 / "layout.json").read_text())["version"] == 1


def test_tree_chunks_hold_every_assets_nodes(site: Path, mixed: Mixed) -> None:
    """Chunk (B, J) of asset S: the real nodes of S's levels B*band.. under node J, lowest level first."""
    base = site / "data" / "s" / V2_ID
    layout = json.loads((base / "layout.json").read_text())
    manifest = parse_manifest((base / "snapshot.json").read_bytes())
    band, rec = layout["band"], layout["record_size"]
    for tree in manifest.trees:
        height, leaves = tree.root.height, tree.root.leaf_count
        public = mixed.v2.public / "tree" / tree.symbol
        for k in range(height):
            b, top = k // band, min(k // band * band + band, height)
            stored = b"".join(
                chunk[
                    sum(
                        max(0, min(level_count(q, leaves) - (j << (top - q)), 1 << (top - q)))
                        for q in range(b * band, k)
                    )
                    * rec :
                ][: max(0, min(level_count(k, leaves) - (j << (top - k)), 1 << (top - k))) * rec]
                for j in range(level_count(top, leaves))
                for chunk in [(base / "trees" / tree.symbol / str(b) / f"{j}.bin").read_bytes()]
            )
            assert stored == (public / f"level-{k:02d}.bin").read_bytes(), (tree.symbol, k)
        if height:
            top_chunk = base / "trees" / tree.symbol / str((height - 1) // band) / "0.bin"
            kids = top_chunk.read_bytes()[-2 * rec :] if leaves > 1 << (height - 1) else top_chunk.read_bytes()[-rec:]
            assert (
                sum(SumNode(r[:32], int.from_bytes(r[32:], "big")).sum for r in (kids[:rec], kids[rec:]) if r)
                == tree.root.sum
            )
        else:
            assert not (base / "trees" / tree.symbol).exists()
