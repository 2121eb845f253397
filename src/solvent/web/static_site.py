"""``solvent publish DIR... --static OUT/``: the page as plain files, no server.

The page is the same as ``solvent serve``'s (rendered for "static" data); the data a
server would compute per request is laid out so that no file is large and nothing is
shipped whole::

    OUT/index.html, OUT/static/...             the page and its assets
    OUT/data/snapshots.json                    the snapshot list, newest first
    OUT/data/s/ID/summary.json                 as GET /api/snapshots/ID
    OUT/data/s/ID/layout.json                  band, prefix_digits, record_size, ...
    OUT/data/s/ID/ids/PREFIX.bin               id shards: u64be(first leaf index) || sorted ids
    OUT/data/s/ID/proofs/HASHED_ID.json        one proof per customer (below)
    OUT/data/s/ID/tree/B/J.bin                 tree chunks (see below)
    OUT/data/s/ID/snapshot.json, .sig, signing.pub, liabilities.csv, reserves.json, tree/*.bin

**Proofs** are stored one file per customer (``proofs/HASHED_ID.json``, about 3.6 KB each)
with exactly the bytes the server answers: the page verifies those bytes and offers them
for download as they are, it never writes proof JSON itself.

**Tree chunks**: levels are grouped in bands of ``band`` levels. Chunk ``(B, J)`` holds the
records of the real nodes of levels ``B*band .. min(B*band+band, height)-1`` under node
``J`` of level ``min(B*band+band, height)``, lowest level first. A node's sibling is always
in the same chunk, so a proof needs ``ceil(height / band)`` chunks; ``band`` is chosen so
that a chunk stays under 64 KiB whatever the number of assets.

Nothing from ``private/`` is read. The site is written to a temporary folder beside OUT and
renamed into place when complete.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from solvent.protocol.errors import InputError
from solvent.report.check import VerifierSettings
from solvent.tree.store import IDS_FILE, level_count, level_file, record_size
from solvent.web.catalog import Catalog, Snapshot, load_catalog
from solvent.web.page import render_page, static_assets

__all__ = ["SHARD_TARGET", "StaticSite", "band_for", "prefix_digits_for", "publish_static"]

CHUNK_LIMIT = 64 * 1024
SHARD_TARGET = 256


@dataclass(frozen=True)
class StaticSite:
    out: Path
    snapshots: tuple[str, ...]
    files: int
    bytes: int


def band_for(n_assets: int) -> int:
    """Levels per chunk: a full chunk holds ``2^(band+1) - 2`` records and stays under 64 KiB."""
    band = 1
    while (2 ** (band + 2) - 2) * record_size(n_assets) <= CHUNK_LIMIT:
        band += 1
    return band


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

    def copy(self, source: Path, name: str) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, path)  # same file system: no second copy of a gigabyte CSV
        except OSError:
            shutil.copyfile(source, path)
        self.files += 1
        self.bytes += path.stat().st_size


def _check_id(snapshot_id: str) -> str:
    if snapshot_id.strip(".") == "":
        raise InputError(f"snapshot id {snapshot_id!r} cannot be a folder name of a static site")
    return snapshot_id


def _shards(snap: Snapshot, w: _Writer, base: str, digits: int) -> None:
    leaf_count = snap.manifest.root.leaf_count
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


def _proofs(snap: Snapshot, w: _Writer, base: str) -> None:
    with (snap.public / IDS_FILE).open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as ids:
        for index in range(snap.manifest.root.leaf_count):
            w.write(f"{base}proofs/{ids[32 * index : 32 * index + 32].hex()}.json", snap.proofs.proof(index))


def _chunks(snap: Snapshot, w: _Writer, base: str, band: int) -> None:
    m = snap.manifest
    height, leaf_count = m.root.height, m.root.leaf_count
    rec = record_size(len(m.assets))
    levels: dict[int, mmap.mmap] = {}
    handles = []
    try:
        for k in range(height):
            f = (snap.public / level_file(k)).open("rb")
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
                w.write(f"{base}tree/{b}/{j}.bin", b"".join(parts))
    finally:
        for mm in levels.values():
            mm.close()
        for f in handles:
            f.close()


def _snapshot(snap: Snapshot, w: _Writer) -> None:
    sid = _check_id(snap.snapshot_id)
    base = f"data/s/{sid}/"
    m = snap.manifest
    band = band_for(len(m.assets))
    digits = prefix_digits_for(m.root.leaf_count)
    w.json(f"{base}summary.json", snap.summary())
    w.json(
        f"{base}layout.json",
        {
            "format": "solvent-static-layout/1",
            "band": band,
            "prefix_digits": digits,
            "record_size": record_size(len(m.assets)),
            "height": m.root.height,
            "leaf_count": m.root.leaf_count,
        },
    )
    for name in snap.files():
        path = snap.file_path(name)
        if path is not None:
            w.copy(path, base + name)
    _shards(snap, w, base, digits)
    _proofs(snap, w, base)
    _chunks(snap, w, base, band)


def write_site(catalog: Catalog, root: Path) -> _Writer:
    w = _Writer(root)
    page = render_page("static")
    w.write("index.html", page.html)
    for name, (data, _) in static_assets().items():
        w.write(f"static/{name}", data)
    w.json("data/snapshots.json", [s.listing() for s in catalog])
    for snap in catalog:
        _snapshot(snap, w)
    return w


def publish_static(
    directories: Sequence[Path], out: Path, *, replace: bool = False, settings: VerifierSettings | None = None
) -> StaticSite:
    """Write the static site for ``directories`` into the new folder ``out``."""
    if out.exists() and not replace:
        raise InputError(f"{out} already exists; choose a new folder or pass --force to replace it")
    parent = out.parent if str(out.parent) else Path()
    if not parent.is_dir():
        raise InputError(f"{parent}: the parent folder of --static does not exist")
    catalog = load_catalog(directories, settings)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    try:
        w = write_site(catalog, tmp)
        tmp.chmod(0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.rename(out, old / "site")
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
        return StaticSite(out, tuple(s.snapshot_id for s in catalog), w.files, w.bytes)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        catalog.close()
