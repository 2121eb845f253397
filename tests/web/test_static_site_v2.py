"""`solvent publish --static` for a v2 snapshot: every account's proof from the id shards and
proof files (read here by an independent reader of the documented layout), per-asset CSVs and
tree chunks, no file over 64 KiB."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from solvent.pipeline.lookup import proof_bytes
from solvent.protocol.v2.hashing import SumNode
from solvent.protocol.v2.manifest import parse_manifest
from solvent.tree.store import level_count
from solvent.web.static_site import publish_static
from tests.web.conftest import V1_BESIDE_V2, V2_ID, Mixed

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def site(mixed: Mixed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("static-v2-files") / "site"
    publish_static(mixed.dirs, out)
    return out


def stored_proof_v2(root: Path, sid: str, hashed_id: str) -> bytes:
    """id shard (id || u32 file || u32 slot, sorted) -> proof file -> the proof's bytes."""
    base = root / "data" / "s" / sid
    layout = json.loads((base / "layout.json").read_text())
    assert layout["version"] == 2 and layout["id_record_size"] == 40
    shard = (base / "ids" / f"{hashed_id[: layout['prefix_digits']]}.bin").read_bytes()
    records = [shard[40 * i : 40 * i + 40] for i in range(len(shard) // 40)]
    assert len(shard) % 40 == 0 and [r[:32] for r in records] == sorted(r[:32] for r in records)
    (record,) = [r for r in records if r[:32] == bytes.fromhex(hashed_id)]
    group, slot = int.from_bytes(record[32:36], "big"), int.from_bytes(record[36:], "big")
    data = (base / "proofs" / f"{group}.bin").read_bytes()
    count = int.from_bytes(data[:4], "big")
    offsets = [int.from_bytes(data[4 + 4 * k : 8 + 4 * k], "big") for k in range(count + 1)]
    header = 4 + 4 * (count + 1)
    assert header + offsets[-1] == len(data)
    return data[header + offsets[slot] : header + offsets[slot + 1]]


def test_every_accounts_proof_is_retrievable_from_the_shards(site: Path, mixed: Mixed) -> None:
    for account in mixed.v2.accounts:
        assert stored_proof_v2(site, V2_ID, account.hashed_id) == proof_bytes(mixed.v2.directory, account.hashed_id)
    shards = sorted((site / "data" / "s" / V2_ID / "ids").iterdir())
    assert sum(p.stat().st_size for p in shards) == 40 * len(mixed.v2.accounts)


def test_no_file_is_large_and_nothing_private(site: Path) -> None:
    """Nothing the site writes exceeds 64 KiB; the published files are copied as they are (a
    per-asset CSV is offered whole, as the server streams it)."""
    base = site / "data" / "s" / V2_ID
    bound = {base / name for name in parse_manifest((base / "snapshot.json").read_bytes()).files}
    files = [p for p in site.rglob("*") if p.is_file()]
    written = [p for p in files if p not in bound]
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


class _Proofs:
    """Stands in for SnapshotProofsV2: ids ascending and proofs of chosen sizes (the packer's only inputs)."""

    def __init__(self, sizes: list[int]) -> None:
        self.ids = sorted(hashlib.sha256(str(i).encode()).digest() for i in range(len(sizes)))
        self.docs = {h.hex(): bytes([65 + i % 26]) * n for i, (h, n) in enumerate(zip(self.ids, sizes, strict=True))}

    def hashed_ids(self) -> Iterator[bytes]:
        return iter(self.ids)

    def proof(self, text: str) -> bytes:
        return self.docs[text]


def test_proofs_pack_into_files_of_at_most_64_kib(tmp_path: Path) -> None:
    from solvent.web.static_site import CHUNK_LIMIT, _proofs_v2, _Writer

    # Sizes around the limit: many small ones, one that fills a file to the byte, one too large for any file.
    header = 4 + 4 * 2
    sizes = [3000] * 50 + [CHUNK_LIMIT - header] + [70_000] + [1] * 300
    proofs = _Proofs(sizes)
    _proofs_v2(proofs, _Writer(tmp_path), "", 2)  # type: ignore[arg-type]
    for h in proofs.ids:
        shard = (tmp_path / f"ids/{h.hex()[:2]}.bin").read_bytes()
        (record,) = [shard[i : i + 40] for i in range(0, len(shard), 40) if shard[i : i + 32] == h]
        group, slot = int.from_bytes(record[32:36], "big"), int.from_bytes(record[36:], "big")
        data = (tmp_path / f"proofs/{group}.bin").read_bytes()
        count = int.from_bytes(data[:4], "big")
        start, end = (int.from_bytes(data[4 + 4 * k : 8 + 4 * k], "big") for k in (slot, slot + 1))
        assert data[4 + 4 * (count + 1) + start : 4 + 4 * (count + 1) + end] == proofs.docs[h.hex()]
        assert len(data) <= CHUNK_LIMIT or count == 1  # only a proof larger than a file stands alone
    assert len(list((tmp_path / "ids").iterdir())) == 256  # every prefix has its shard, empty or not
    files = sorted((tmp_path / "proofs").iterdir(), key=lambda p: int(p.stem))
    assert sum(int.from_bytes(p.read_bytes()[:4], "big") for p in files) == len(sizes)
    assert [p.stat().st_size for p in files].count(CHUNK_LIMIT) >= 1
