"""``solvent publish DIR... --static OUT/``: the page as plain files, no server.

The page is the same as ``solvent serve``'s (rendered for "static" data); the data a
server would compute per request is laid out so that no file is large and nothing is
shipped whole::

    OUT/index.html, OUT/static/...             the page and its assets
    OUT/data/snapshots.json                    the snapshot list, newest first
    OUT/data/solvent_verify.py                 the offline kit's verifier (:mod:`solvent.web.kit`)
    OUT/data/s/ID/summary.json                 as GET /api/snapshots/ID
    OUT/data/s/ID/layout.json                  band, prefix_digits, record_size, height, leaf_count
    OUT/data/s/ID/ids/PREFIX.bin               id shards: u64be(first leaf index) || sorted ids
    OUT/data/s/ID/tree/B/J.bin                 tree chunks (see below)
    OUT/data/s/ID/snapshot.json, .sig, signing.pub, liabilities.csv, reserves.json, tree/*.bin

**Proofs are assembled, not stored**: a look-up reads one id shard (the ids starting with a
hex prefix, about 256 per shard) to find the leaf index ``i``, then the tree chunks that
hold leaf ``i`` and its siblings, and writes the proof's bytes itself
(``static/js/protocol/proof_bytes.js``): the bytes ``solvent prove`` writes
(:class:`~solvent.pipeline.lookup.SnapshotProofs`), to which the conformance vectors of
kind ``proof-bytes`` pin the browser's writer, byte for byte, under Python, node and
Chromium. The browser verifies those bytes against the signed root and offers the same
bytes for download. Disk is the tree's nodes once and the ids once: no per-proof cost.

**Tree chunks**: levels are grouped in bands of ``band`` levels. Chunk ``(B, J)`` holds the
records of the real nodes of levels ``B*band .. min(B*band+band, height)-1`` under node
``J`` of level ``min(B*band+band, height)``, lowest level first. A node's sibling is always
in the same chunk, so a proof needs ``ceil(height / band)`` chunks; ``band`` is chosen so
that a chunk stays under 64 KiB whatever the number of assets.

**v2 snapshots** (docs/spec.md §13 (Protocol v2: one sum tree per asset)) keep the same folders with these
differences (``layout.json`` says ``"version": 2``)::

    OUT/data/s/ID/ids/PREFIX.bin               u32be(n) || u64be(first position p0)
                                               || n records id || u64be(end)  (sorted by id)
                                               || positions p0 .. end[n-1]: u16be(asset) || u64be(leaf index)
    OUT/data/s/ID/trees/S/B/J.bin              asset S's tree chunks, as v1's (48-byte records)
    OUT/data/s/ID/liabilities/S.csv, ...       every file the manifest binds

An id shard is the slice of ``tree/accounts.bin`` (:mod:`solvent.tree.store_v2`) of the ids
with its prefix and the slice of ``tree/positions.bin`` they point into: account ``k``'s
holdings are positions ``end[k-1] .. end[k]`` (``p0 .. end[0]`` for the first), each an asset
(manifest order) and a leaf of that asset's tree. The page reads the leaf and its siblings
from that tree's chunks, one entry per holding in manifest order, and writes the
``solvent-proof/2`` as ``solvent prove`` does. Disk grows with the holdings: every tree's
nodes once, every holding's position once.

The chunks and shards are written by one worker per core (:data:`LARGE` nodes and more;
smaller sites in this process): each worker writes whole files of its own, so the site is
the same whatever the number of workers.

Nothing from ``private/`` is read. The site is written to a temporary folder beside OUT and
renamed into place when complete, as a snapshot is (:mod:`solvent.publish.snapshot`): the
same marker file (kind ``static-site``) lets ``--force`` replace only a site solvent wrote,
OUT may neither hold nor sit inside a snapshot it is made from, and what a killed run
left beside OUT is removed by the next one.
"""

from __future__ import annotations

import json
import mmap
import multiprocessing
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from solvent.pipeline.lookup import SnapshotProofsV2
from solvent.pipeline.report import VerifierSettings
from solvent.protocol.errors import InputError
from solvent.protocol.manifest import Manifest
from solvent.publish.snapshot import check_output, crash_point, remove_tree, replace_folder, sweep, write_marker
from solvent.tree.store import IDS_FILE, level_count, level_file, record_size
from solvent.tree.store_v2 import ACCOUNTS_FILE, POSITIONS_FILE, asset_dir
from solvent.web.catalog import Catalog, Snapshot, load_catalog
from solvent.web.history import HISTORY_FILE, catalog_history
from solvent.web.kit import FILE_NAME, verifier_source
from solvent.web.page import render_page, static_assets

__all__ = [
    "LARGE",
    "SHARD_TARGET",
    "SITE_KIND",
    "StaticSite",
    "band_for",
    "prefix_digits_for",
    "publish_static",
]

CHUNK_LIMIT = 64 * 1024
#: The offline kit's verifier (:mod:`solvent.web.kit`), where the page fetches it.
VERIFIER_PATH = f"data/{FILE_NAME}"
SHARD_TARGET = 256
#: The kind named in a static site's marker file.
SITE_KIND = "static-site"
#: Sites of at least this many tree nodes and ids are written by one worker per core.
LARGE = 1 << 20
#: Files (chunks or shards) per unit of work handed to a worker.
JOB_FILES = 2048
_ACCOUNT = 40  # tree/accounts.bin: id || u64be(end)
_POSITION = 10  # tree/positions.bin: u16be(asset) || u64be(leaf index)


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
        self._folders: set[Path] = set()

    def write(self, name: str, data: bytes | memoryview) -> None:
        path = self.root / name
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
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


def _mapped(stack: ExitStack, path: Path) -> mmap.mmap | bytes:
    f = stack.enter_context(path.open("rb"))
    if os.fstat(f.fileno()).st_size == 0:
        return b""  # an empty file cannot be mapped
    return stack.enter_context(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))


def _first_above(table: mmap.mmap | bytes, stride: int, lo: int, hi: int, *, key: int, bits: int) -> int:
    """The first record in ``lo .. hi`` whose id's first ``bits`` bits are above ``key`` (ids sorted)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if int.from_bytes(table[stride * mid : stride * mid + 8], "big") >> (64 - bits) <= key:
            lo = mid + 1
        else:
            hi = mid
    return lo


@dataclass(frozen=True)
class _Job:
    """A unit of work: files ``first .. stop-1`` of one kind, each written whole, so that a worker
    process can run it as well as this one. Plain values only (it is pickled)."""

    #: "ids-v1", "ids-v2" (id shards ``first .. stop-1``) or "chunks" (chunks ``(band_no, first) ..``)
    kind: str
    public: Path
    root: Path
    #: the folder written, under root: ``data/s/ID/`` for shards, the tree's chunk folder for chunks
    prefix: str
    first: int
    stop: int
    #: shards: the prefix's hex digits and the number of ids (v1) or accounts (v2)
    digits: int = 0
    count: int = 0
    #: chunks: levels per band, the band, and the tree (its folder under public/, height, leaf count, record size)
    band: int = 0
    band_no: int = 0
    tree: tuple[str, int, int, int] = ("", 0, 0, 0)


def _run_job(job: _Job) -> tuple[int, int]:
    """Run one unit of work; returns the files and bytes it wrote."""
    w = _Writer(job.root)
    with ExitStack() as stack:
        if job.kind == "ids-v1":
            _shards_v1(job, w, _mapped(stack, job.public / IDS_FILE))
        elif job.kind == "ids-v2":
            _shards_v2(job, w, _mapped(stack, job.public / ACCOUNTS_FILE), _mapped(stack, job.public / POSITIONS_FILE))
        else:
            _chunks(job, w, stack)
    return w.files, w.bytes


def _shards_v1(job: _Job, w: _Writer, ids: mmap.mmap | bytes) -> None:
    """v1 shard k: u64be(first leaf index) || the ids whose first ``digits`` hex digits are k."""
    bits, digits = 4 * job.digits, job.digits
    start = _first_above(ids, 32, 0, job.count, key=job.first - 1, bits=bits) if job.first else 0
    for k in range(job.first, job.stop):
        stop = _first_above(ids, 32, start, job.count, key=k, bits=bits)
        w.write(f"{job.prefix}ids/{k:0{digits}x}.bin", start.to_bytes(8, "big") + ids[32 * start : 32 * stop])
        start = stop


def _shards_v2(job: _Job, w: _Writer, accounts: mmap.mmap | bytes, positions: mmap.mmap | bytes) -> None:
    """v2 shard k: the accounts whose first ``digits`` hex digits are k, and their positions."""
    bits, digits = 4 * job.digits, job.digits

    def end(at: int) -> int:  # the position after account `at`'s last (0 before the first account)
        return 0 if at < 0 else int.from_bytes(accounts[_ACCOUNT * at + 32 : _ACCOUNT * at + 40], "big")

    start = _first_above(accounts, _ACCOUNT, 0, job.count, key=job.first - 1, bits=bits) if job.first else 0
    for k in range(job.first, job.stop):
        stop = _first_above(accounts, _ACCOUNT, start, job.count, key=k, bits=bits)
        p0, p1 = end(start - 1), end(stop - 1)
        if not p0 <= p1 <= len(positions) // _POSITION:
            raise InputError(f"{ACCOUNTS_FILE}: accounts {start}..{stop} point outside {POSITIONS_FILE}")
        head = (stop - start).to_bytes(4, "big") + p0.to_bytes(8, "big")
        body = accounts[_ACCOUNT * start : _ACCOUNT * stop] + positions[_POSITION * p0 : _POSITION * p1]
        w.write(f"{job.prefix}ids/{k:0{digits}x}.bin", head + body)
        start = stop


def _chunks(job: _Job, w: _Writer, stack: ExitStack) -> None:
    """Chunks ``(B, first) .. (B, stop-1)`` of one tree (B the job's band), as ``{prefix}B/J.bin``."""
    folder, height, leaf_count, rec = job.tree
    b = job.band_no
    bottom, top = b * job.band, min(b * job.band + job.band, height)
    levels = {k: _mapped(stack, job.public / level_file(k, folder)) for k in range(bottom, top)}
    for j in range(job.first, job.stop):
        parts = []
        for k in range(bottom, top):
            width = 1 << (top - k)
            first = j * width
            last = min(first + width, level_count(k, leaf_count))
            parts.append(levels[k][first * rec : last * rec])
        w.write(f"{job.prefix}{b}/{j}.bin", b"".join(parts))


def _ranges(n: int) -> Iterator[tuple[int, int]]:
    for lo in range(0, n, JOB_FILES):
        yield lo, min(lo + JOB_FILES, n)


def _shard_jobs(kind: str, snap: Snapshot, root: Path, base: str, *, digits: int, count: int) -> Iterator[_Job]:
    for first, stop in _ranges(16**digits):
        yield _Job(kind, snap.public, root, base, first, stop, digits=digits, count=count)


def _tree_jobs(snap: Snapshot, root: Path, prefix: str, band: int, tree: tuple[str, int, int, int]) -> Iterator[_Job]:
    _, height, leaf_count, _ = tree
    for b in range((height + band - 1) // band):
        for first, stop in _ranges(level_count(min(b * band + band, height), leaf_count)):
            yield _Job("chunks", snap.public, root, prefix, first, stop, band=band, band_no=b, tree=tree)


def _copy_files(snap: Snapshot, w: _Writer, base: str) -> None:
    """Every published file, as it was checked when the snapshot was loaded: each piece is
    checked again against its digest as it is copied (:meth:`Snapshot.open_file`), so a
    file changed since is an error, never a site holding bytes the manifest does not bind."""
    for name in snap.files():
        _, pieces = snap.open_file(name)
        w.copy(pieces, base + name)


def _snapshot_v2(snap: Snapshot, w: _Writer, base: str) -> list[_Job]:
    proofs = snap.proofs
    assert isinstance(proofs, SnapshotProofsV2)
    m = proofs.manifest
    band = band_for(1)
    digits = prefix_digits_for(m.accounts)
    w.json(f"{base}summary.json", snap.summary())
    w.json(
        f"{base}layout.json",
        {
            "format": "solvent-static-layout/2",
            "version": 2,
            "band": band,
            "prefix_digits": digits,
            "record_size": record_size(1),
            "account_record_size": _ACCOUNT,
            "position_size": _POSITION,
        },
    )
    _copy_files(snap, w, base)
    jobs = list(_shard_jobs("ids-v2", snap, w.root, base, digits=digits, count=m.accounts))
    for t in m.trees:
        shape = (asset_dir(t.symbol), t.root.height, t.root.leaf_count, record_size(1))
        jobs += _tree_jobs(snap, w.root, f"{base}trees/{t.symbol}/", band, shape)
    return jobs


def _snapshot(snap: Snapshot, w: _Writer) -> list[_Job]:
    """The snapshot's small files, written now, and the units of work that write its shards and chunks."""
    sid = _check_id(snap.snapshot_id)
    base = f"data/s/{sid}/"
    if snap.version == 2:
        return _snapshot_v2(snap, w, base)
    m = snap.manifest
    assert isinstance(m, Manifest)
    band = band_for(len(m.assets))
    digits = prefix_digits_for(m.root.leaf_count)
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
        },
    )
    _copy_files(snap, w, base)
    jobs = list(_shard_jobs("ids-v1", snap, w.root, base, digits=digits, count=m.root.leaf_count))
    shape = ("tree", m.root.height, m.root.leaf_count, record_size(len(m.assets)))
    jobs += _tree_jobs(snap, w.root, f"{base}tree/", band, shape)
    return jobs


def _size(catalog: Catalog) -> int:
    """Tree leaves and ids of every snapshot: what the work grows with."""
    total = 0
    for snap in catalog:
        m = snap.manifest
        total += m.root.leaf_count if isinstance(m, Manifest) else m.accounts + sum(t.root.leaf_count for t in m.trees)
    return total


def _run(jobs: list[_Job], workers: int) -> tuple[int, int]:
    if workers <= 1 or len(jobs) <= 1:
        done = [_run_job(job) for job in jobs]
    else:
        # forkserver: the workers do not inherit this process's open snapshots or threads.
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            done = list(pool.map(_run_job, jobs))
    return sum(f for f, _ in done), sum(b for _, b in done)


def write_site(catalog: Catalog, root: Path, workers: int | None = None) -> _Writer:
    """The site into ``root``; ``workers``: processes for the shards and chunks (default: one per
    core for a site of :data:`LARGE` leaves and ids or more, else this process alone)."""
    w = _Writer(root)
    page = render_page("static")
    w.write("index.html", page.html)
    for name, (data, _) in static_assets().items():
        w.write(f"static/{name}", data)
    w.json("data/snapshots.json", [s.listing() for s in catalog])
    w.json(HISTORY_FILE, catalog_history(catalog))  # the page's history chart (docs/web.md)
    w.write(VERIFIER_PATH, verifier_source().encode("utf-8"))  # the offline kit's verifier (docs/web.md)
    crash_point("publish:half-written")
    jobs: list[_Job] = []
    for snap in catalog:
        jobs += _snapshot(snap, w)
    if workers is None:
        workers = (os.cpu_count() or 1) if _size(catalog) >= LARGE else 1
    files, size = _run(jobs, workers)
    w.files += files
    w.bytes += size
    return w


def publish_static(
    directories: Sequence[Path],
    out: Path,
    *,
    replace: bool = False,
    settings: VerifierSettings | None = None,
    workers: int | None = None,
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
        w = write_site(catalog, tmp, workers)
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
