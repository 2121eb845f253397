"""``solvent publish DIR... --static OUT/``: the page as plain files, no server.

The page is the same as ``solvent serve``'s (rendered for "static" data); the data a
server would compute per request is laid out so that no file is large and nothing is
shipped whole::

    OUT/index.html, OUT/static/...             the page and its assets
    OUT/data/snapshots.json                    the snapshot list, newest first
    OUT/data/s/ID/summary.json                 as GET /api/snapshots/ID
    OUT/data/s/ID/layout.json                  band, prefix_digits, record_size, proofs_per_file, ...
    OUT/data/s/ID/ids/PREFIX.bin               id shards: u64be(first leaf index) || sorted ids
    OUT/data/s/ID/proofs/G.bin                 proof files (see below)
    OUT/data/s/ID/tree/B/J.bin                 tree chunks (see below)
    OUT/data/s/ID/snapshot.json, .sig, signing.pub, liabilities.csv, reserves.json, tree/*.bin

**Proofs**: a look-up reads one id shard (the ids starting with a hex prefix, about 256 per
shard) to find the leaf index ``i``, then the proof file ``G = i // proofs_per_file``, which
holds the ``solvent-proof/1`` bytes of leaves ``G*proofs_per_file ...`` exactly as
``solvent prove`` writes them (:class:`~solvent.pipeline.lookup.SnapshotProofs`, the one
serializer): ``u32be(count) || u32be(offset[0..count]) || proofs``, proof ``j`` being the
bytes ``offset[j] .. offset[j+1]`` after the header. The browser verifies those bytes
against the signed root and offers the same bytes for download: it never writes a proof.
``proofs_per_file`` is chosen from the largest proof the snapshot could have, so that no
file exceeds 64 KiB. This costs the size of every proof (about 3.6 KB each for 4 assets
and 10,000,000 accounts: some 36 GB in about 1,250,000 files), the price of one writer.

**Tree chunks**: levels are grouped in bands of ``band`` levels. Chunk ``(B, J)`` holds the
records of the real nodes of levels ``B*band .. min(B*band+band, height)-1`` under node
``J`` of level ``min(B*band+band, height)``, lowest level first. A node's sibling is always
in the same chunk, so a proof needs ``ceil(height / band)`` chunks; ``band`` is chosen so
that a chunk stays under 64 KiB whatever the number of assets.

**v2 snapshots** (docs/spec.md §13 (Protocol v2: one sum tree per asset)) keep the same folders with these
differences (``layout.json`` says ``"version": 2``)::

    OUT/data/s/ID/ids/PREFIX.bin               records id || u32be(proof file) || u32be(slot), by id
    OUT/data/s/ID/proofs/G.bin                 proof files, as v1's, filled in id order up to 64 KiB
    OUT/data/s/ID/trees/S/B/J.bin              asset S's tree chunks, as v1's (48-byte records)
    OUT/data/s/ID/liabilities/S.csv, ...       every file the manifest binds

A v2 proof's size follows the account's holdings, so proofs are packed in hashed-id
order (:meth:`~solvent.pipeline.lookup.SnapshotProofsV2.hashed_ids`) into files of at most
64 KiB (a single proof larger than that, an account holding hundreds of assets, gets a
file of its own), and each id shard says which file and slot hold each id's proof. Disk
grows with the holdings: every proof once, every tree's nodes once.

Nothing from ``private/`` is read. The site is written to a temporary folder beside OUT and
renamed into place when complete, as a snapshot is (:mod:`solvent.publish.snapshot`): the
same marker file (kind ``static-site``) lets ``--force`` replace only a site solvent wrote,
OUT may neither hold nor sit inside a snapshot it is made from, and what a killed run
left beside OUT is removed by the next one.
"""

from __future__ import annotations

import json
import mmap
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from solvent.pipeline.lookup import SnapshotProofs, SnapshotProofsV2
from solvent.pipeline.report import VerifierSettings
from solvent.protocol.errors import InputError
from solvent.protocol.manifest import Manifest
from solvent.protocol.proof import ProofRenderer
from solvent.protocol.v2.manifest import AssetTree
from solvent.publish.snapshot import check_output, crash_point, remove_tree, replace_folder, sweep, write_marker
from solvent.tree.store import IDS_FILE, level_count, level_file, record_size
from solvent.tree.store_v2 import asset_dir
from solvent.web.catalog import Catalog, Snapshot, load_catalog
from solvent.web.history import HISTORY_FILE, catalog_history
from solvent.web.page import render_page, static_assets

__all__ = [
    "SHARD_TARGET",
    "SITE_KIND",
    "StaticSite",
    "band_for",
    "prefix_digits_for",
    "proofs_per_file_for",
    "publish_static",
]

CHUNK_LIMIT = 64 * 1024
SHARD_TARGET = 256
#: The kind named in a static site's marker file.
SITE_KIND = "static-site"


@dataclass(frozen=True)
class StaticSite:
    out: Path
    snapshots: tuple[str, ...]
    files: int
    bytes: int
    #: What the clean-up of earlier killed runs did, one line each.
    swept: tuple[str, ...] = ()


def band_for(n_assets: int) -> int:
    """Levels per chunk: a full chunk holds ``2^(band+1) - 2`` records and stays under 64 KiB."""
    band = 1
    while (2 ** (band + 2) - 2) * record_size(n_assets) <= CHUNK_LIMIT:
        band += 1
    return band


def proofs_per_file_for(proofs: SnapshotProofs) -> int:
    """Proofs per proof file: as many of the largest proof this snapshot could have as fit in 64 KiB.

    The bound is a proof written by the one serializer with every amount and sum at
    its maximum (2^128 - 1, 39 digits) and the largest leaf index.
    """
    m = proofs.manifest
    top = (2**128 - 1,) * len(m.assets)
    renderer = ProofRenderer(m.snapshot_id, m.assets, m.root)
    largest = renderer.render(m.root.leaf_count - 1, bytes(32), top, [renderer.sibling(bytes(32), top)] * m.root.height)
    header = 4 + 4  # the count, and the final offset
    return max(1, (CHUNK_LIMIT - header) // (len(largest) + 4))


def prefix_digits_for(leaf_count: int) -> int:
    """Hex digits of the shard prefix: about ``SHARD_TARGET`` ids per shard, at least one digit."""
    digits = 1
    while leaf_count / 16**digits > SHARD_TARGET:
        digits += 1
    return digits


class _Writer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = 0
        self.bytes = 0

    def write(self, name: str, data: bytes | memoryview) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files += 1
        self.bytes += len(data)

    def json(self, name: str, value: object) -> None:
        self.write(name, (json.dumps(value, indent=1) + "\n").encode("utf-8"))

    def copy(self, pieces: Iterable[bytes], name: str) -> None:
        """A file of its own (never a link to the snapshot's, which a later rewrite in place
        would change under the site), written from ``pieces`` as they come."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            for piece in pieces:
                f.write(piece)
                self.bytes += len(piece)
        self.files += 1


def _check_id(snapshot_id: str) -> str:
    if snapshot_id.strip(".") == "":
        raise InputError(f"snapshot id {snapshot_id!r} cannot be a folder name of a static site")
    return snapshot_id


def _shards(snap: Snapshot, w: _Writer, base: str, digits: int, leaf_count: int) -> None:
    with (snap.public / IDS_FILE).open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as ids:
        # Shard k holds the ids whose first `digits` hex digits are k: a contiguous run.
        bits = 4 * digits
        start = 0
        for k in range(16**digits):
            stop = start
            lo, hi = start, leaf_count
            while lo < hi:  # first id whose prefix is above k
                mid = (lo + hi) // 2
                if int.from_bytes(ids[32 * mid : 32 * mid + 8], "big") >> (64 - bits) <= k:
                    lo = mid + 1
                else:
                    hi = mid
            stop = lo
            w.write(f"{base}ids/{k:0{digits}x}.bin", start.to_bytes(8, "big") + ids[32 * start : 32 * stop])
            start = stop


def _chunks(public: Path, w: _Writer, prefix: str, band: int, tree: tuple[str, int, int, int]) -> None:
    """The chunks of one tree, as ``{prefix}B/J.bin``; ``tree`` is (its folder under public/, height,
    leaf count, record size)."""
    folder, height, leaf_count, rec = tree
    levels: dict[int, mmap.mmap] = {}
    handles = []
    try:
        for k in range(height):
            f = (public / level_file(k, folder)).open("rb")
            handles.append(f)
            levels[k] = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        for b in range((height + band - 1) // band):
            bottom, top = b * band, min(b * band + band, height)
            for j in range(level_count(top, leaf_count)):
                parts = []
                for k in range(bottom, top):
                    width = 1 << (top - k)
                    first = j * width
                    last = min(first + width, level_count(k, leaf_count))
                    parts.append(levels[k][first * rec : last * rec])
                w.write(f"{prefix}{b}/{j}.bin", b"".join(parts))
    finally:
        for mm in levels.values():
            mm.close()
        for f in handles:
            f.close()


def _proofs(proofs: SnapshotProofs, w: _Writer, base: str, per_file: int) -> None:
    """Every leaf's proof bytes, ``per_file`` to a file, in leaf order (one pass: the upper levels stay cached)."""
    leaf_count = proofs.manifest.root.leaf_count
    for g, first in enumerate(range(0, leaf_count, per_file)):
        docs = [proofs.proof_at(i) for i in range(first, min(first + per_file, leaf_count))]
        offsets = [0]
        for doc in docs:
            offsets.append(offsets[-1] + len(doc))
        header = b"".join(x.to_bytes(4, "big") for x in (len(docs), *offsets))
        w.write(f"{base}proofs/{g}.bin", header + b"".join(docs))


def _proofs_v2(proofs: SnapshotProofsV2, w: _Writer, base: str, digits: int) -> None:
    """Every account's proof, packed in id order into files of at most CHUNK_LIMIT bytes, and the id shards."""
    group: list[bytes] = []
    size = 0
    files = 0
    shard: list[bytes] = []
    shard_key = 0
    bits = 4 * digits

    def flush_group() -> None:
        nonlocal group, size, files
        if group:
            offsets = [0]
            for doc in group:
                offsets.append(offsets[-1] + len(doc))
            header = b"".join(x.to_bytes(4, "big") for x in (len(group), *offsets))
            w.write(f"{base}proofs/{files}.bin", header + b"".join(group))
            files += 1
            group, size = [], 0

    def flush_shards(upto: int) -> None:
        nonlocal shard, shard_key
        while shard_key < upto:
            w.write(f"{base}ids/{shard_key:0{digits}x}.bin", b"".join(shard))
            shard, shard_key = [], shard_key + 1

    for hashed_id in proofs.hashed_ids():
        doc = proofs.proof(hashed_id.hex())
        if group and size + 4 * (len(group) + 3) + len(doc) > CHUNK_LIMIT:
            flush_group()
        flush_shards(int.from_bytes(hashed_id[:8], "big") >> (64 - bits))
        shard.append(hashed_id + files.to_bytes(4, "big") + len(group).to_bytes(4, "big"))
        group.append(doc)
        size += len(doc)
    flush_group()
    flush_shards(16**digits)


def _trees_v2(public: Path, trees: tuple[AssetTree, ...], w: _Writer, base: str, band: int) -> None:
    for t in trees:
        shape = (asset_dir(t.symbol), t.root.height, t.root.leaf_count, record_size(1))
        _chunks(public, w, f"{base}trees/{t.symbol}/", band, shape)


def _copy_files(snap: Snapshot, w: _Writer, base: str) -> None:
    """Every published file, as it was checked when the snapshot was loaded: each piece is
    checked again against its digest as it is copied (:meth:`Snapshot.open_file`), so a
    file changed since is an error, never a site holding bytes the manifest does not bind."""
    for name in snap.files():
        _, pieces = snap.open_file(name)
        w.copy(pieces, base + name)


def _snapshot_v2(snap: Snapshot, w: _Writer, base: str) -> None:
    proofs = snap.proofs
    assert isinstance(proofs, SnapshotProofsV2)
    band = band_for(1)
    digits = prefix_digits_for(proofs.manifest.accounts)
    w.json(f"{base}summary.json", snap.summary())
    w.json(
        f"{base}layout.json",
        {
            "format": "solvent-static-layout/2",
            "version": 2,
            "band": band,
            "prefix_digits": digits,
            "record_size": record_size(1),
            "id_record_size": 40,
            "proof_file_limit": CHUNK_LIMIT,
        },
    )
    _copy_files(snap, w, base)
    _proofs_v2(proofs, w, base, digits)
    _trees_v2(snap.public, proofs.manifest.trees, w, base, band)


def _snapshot(snap: Snapshot, w: _Writer) -> None:
    sid = _check_id(snap.snapshot_id)
    base = f"data/s/{sid}/"
    if snap.version == 2:
        _snapshot_v2(snap, w, base)
        return
    m = snap.manifest
    assert isinstance(m, Manifest) and isinstance(snap.proofs, SnapshotProofs)
    band = band_for(len(m.assets))
    digits = prefix_digits_for(m.root.leaf_count)
    per_file = proofs_per_file_for(snap.proofs)
    w.json(f"{base}summary.json", snap.summary())
    w.json(
        f"{base}layout.json",
        {
            "format": "solvent-static-layout/1",
            "version": 1,
            "band": band,
            "prefix_digits": digits,
            "record_size": record_size(len(m.assets)),
            "height": m.root.height,
            "leaf_count": m.root.leaf_count,
            "proofs_per_file": per_file,
        },
    )
    _copy_files(snap, w, base)
    _shards(snap, w, base, digits, m.root.leaf_count)
    _proofs(snap.proofs, w, base, per_file)
    _chunks(
        snap.public, w, f"{base}tree/", band, ("tree", m.root.height, m.root.leaf_count, record_size(len(m.assets)))
    )


def write_site(catalog: Catalog, root: Path) -> _Writer:
    w = _Writer(root)
    page = render_page("static")
    w.write("index.html", page.html)
    for name, (data, _) in static_assets().items():
        w.write(f"static/{name}", data)
    w.json("data/snapshots.json", [s.listing() for s in catalog])
    w.json(HISTORY_FILE, catalog_history(catalog))  # the page's history chart (docs/web.md)
    crash_point("publish:half-written")
    for snap in catalog:
        _snapshot(snap, w)
    return w


def publish_static(
    directories: Sequence[Path], out: Path, *, replace: bool = False, settings: VerifierSettings | None = None
) -> StaticSite:
    """Write the static site for ``directories`` into the new folder ``out``."""
    parent = out.parent if str(out.parent) else Path()
    if not parent.is_dir():
        raise InputError(f"{parent}: the parent folder of --static does not exist")
    swept = tuple(sweep(parent, out.name, inner="site"))
    if (out.exists() or out.is_symlink()) and not replace:
        raise InputError(f"{out} already exists; choose a new folder or pass --force to replace it")
    check_output(out, directories, replace=replace, kind=SITE_KIND, option="--static")
    catalog = load_catalog(directories, settings)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=parent))
    try:
        w = write_site(catalog, tmp)
        write_marker(tmp, SITE_KIND)
        tmp.chmod(0o755)
        crash_point("publish:written")
        replace_folder(tmp, out, replace=replace, inner="site")
        return StaticSite(out, tuple(s.snapshot_id for s in catalog), w.files, w.bytes, swept)
    except BaseException:
        remove_tree(tmp)
        raise
    finally:
        catalog.close()
