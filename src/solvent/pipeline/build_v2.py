"""``solvent build`` for protocol v2: one sum tree per asset, in memory bounded by the batch
size however many accounts the ledger holds.

Three passes, each over a bounded amount of data at a time:

1. **Spill.** The ledger is read a batch at a time (:func:`solvent.ingest.ledger.stream_ledger`);
   every row's user secret and hashed id are derived in bulk; each non-zero holding is
   appended to the bucket of its id's first byte (:class:`solvent.tree.buckets.BucketWriter`),
   and each row's uid, secret and id to the same bucket's account files (for ``users.csv``).
2. **Sort, bucket by bucket** (both cores): each bucket's holdings are sorted by (asset,
   id) into leaves, ids listed twice for one asset are found, and the bucket's accounts
   get their ``users.csv`` rows.
3. **Trees, asset by asset** (both cores): each asset's leaves stream out of the sorted
   buckets in leaf order into the tree builder and ``liabilities/<S>.csv`` at once; the
   look-up index is built beside them.

Each bucket and each asset is a clean unit of work, a function of the spill files that
writes only its own outputs, so the same units can run in a process pool (``workers``)
or elsewhere.  The spill folder lives inside the snapshot writer's temporary directory
beside ``--out`` (mode 0700), as ``private/users.csv`` does while it is written, so the
secrets spilled there are no more exposed than that file; a failed or interrupted build
removes the folder with everything else, and a successful one removes it before the
snapshot is renamed into place.  Spill files are deleted as soon as they are consumed,
so the disk a build needs peaks below the spill plus the snapshot.  Every file that holds
a uid or a secret (the spilled accounts, each bucket's ``users`` part, ``users.csv``) is
created with mode 0600 (:func:`~solvent.publish.snapshot.secret_file`), never created
readable and narrowed afterwards.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from solvent.columnar.hexcols import hex_column, id_words
from solvent.columnar.liabilities_csv import AssetCsvWriter
from solvent.columnar.strings import gather_bytes, strings_from_bytes
from solvent.ingest.ledger import LedgerStream, stream_ledger
from solvent.ingest.long import LongBatch
from solvent.ingest.wide import WideBatch
from solvent.pipeline.build import BuildRequest, StageTimer, _attach_reserves, _check_request, utc_now
from solvent.protocol.assets import Asset
from solvent.protocol.errors import InputError, SolventError, SumOverflow
from solvent.protocol.layout import USERS_FILE
from solvent.protocol.v2.manifest import AssetTree, Manifest, liabilities_file, parse_manifest
from solvent.publish.keys import load_master_key, load_signing_key
from solvent.publish.snapshot import SnapshotWriter, crash_point, secret_file
from solvent.tree.buckets import (
    BUCKETS,
    AssetLeaves,
    BucketWriter,
    SortedBucket,
    holding_path,
    id_order,
    sort_bucket,
    write_account_index,
)
from solvent.tree.builder import build_asset_tree
from solvent.tree.bulk_hash import get_hasher
from solvent.tree.bulk_ids import derive_ids, uid_bytes

__all__ = ["DEFAULT_MEMORY", "BuildResultV2", "Progress", "batch_rows", "build_snapshot_v2"]

#: ``progress(stage, done, total)``: ``total`` is 0 when it is not known in advance.
#: Stages: "read ledger" (rows), "sort buckets" (buckets), "users.csv" (buckets),
#: "asset trees" (leaves hashed plus holdings indexed).
Progress = Callable[[str, int, int], None]
SPILL_DIR = "spill"
#: What a build may use by default: fits a 4 GB machine with room for the system.
DEFAULT_MEMORY = 2 << 30


@dataclass(frozen=True)
class BuildResultV2:
    out: Path
    manifest: Manifest
    seconds: dict[str, float] = field(default_factory=dict)
    rounded: dict[str, int] = field(default_factory=dict)


def _uid_path(spill: Path, bucket: int) -> Path:
    return spill / f"uids-{bucket:03d}.bin"


def _keys_path(spill: Path, bucket: int) -> Path:
    return spill / f"keys-{bucket:03d}.bin"


def _users_path(spill: Path, bucket: int) -> Path:
    return spill / f"users-{bucket:03d}.csv"


#: A spilled account: ``user_secret || hashed_id || u64be(row) || u32be(len(uid))``; the
#: uids' UTF-8 bytes go end to end in the bucket's uid file, in the same order.
ACCOUNT = 76


class _UidWriter:
    """Each row's account, appended to its id's bucket (:data:`ACCOUNT` records and uid bytes)."""

    def __init__(self, spill: Path) -> None:
        self.spill = spill

    def add(self, rows: np.ndarray, uids: pl.Series, secrets: np.ndarray, ids: np.ndarray) -> None:
        first = ids[:, 0]
        order = np.argsort(first, kind="stable")  # one byte: a radix sort, row order kept within a bucket
        counts = np.bincount(first, minlength=BUCKETS)
        data, offsets = uid_bytes(uids)
        text, starts = gather_bytes(data, offsets, order)
        m = len(order)
        rec = np.empty((m, ACCOUNT), dtype=np.uint8)
        rec[:, :32] = secrets[order]
        rec[:, 32:64] = ids[order]
        rec[:, 64:72] = rows[order].astype(">u8").view(np.uint8).reshape(m, 8)
        rec[:, 72:76] = np.diff(starts).astype(">u4").view(np.uint8).reshape(m, 4)
        start = 0
        for b in np.flatnonzero(counts).tolist():
            stop = start + int(counts[b])
            with os.fdopen(secret_file(_keys_path(self.spill, b), append=True), "ab") as f:
                f.write(rec[start:stop].data)
            with os.fdopen(secret_file(_uid_path(self.spill, b), append=True), "ab") as f:
                f.write(text[starts[start] : starts[stop]].data)
            start = stop


def batch_rows(memory: int, n_assets: int, *, wide: bool = True) -> int:
    """Ledger rows per batch for a memory budget (bytes): a batch costs about its parsed
    text and limbs (~48 bytes per asset of a wide row, one amount in a long row), its
    ids and secrets, and Polars' own copies; two batches are in memory at once (one
    read, one written), each with an eighth of the budget, the rest going to the engine
    and the sort pass."""
    per_row = 256 + 96 * (n_assets if wide else 1)
    return max(1024, min(1 << 20, memory // 8 // per_row))


def _spill(
    req: BuildRequest, spill: Path, master_key: bytes, progress: Progress, memory: int
) -> tuple[LedgerStream, dict[str, int]]:
    """Pass 1: the ledger into bucket files; returns the stream (for its problems) and round-ups."""
    hasher = get_hasher(req.hasher)
    stream = stream_ledger(req.ledger, req.assets, layout=req.layout, round_up=req.round_up)
    stream.chunk_rows = batch_rows(memory, len(req.assets), wide=stream.layout == "wide")
    holdings = BucketWriter(spill)
    uid_writer = _UidWriter(spill)
    total = stream.src.rows_hint

    def write(batch: WideBatch | LongBatch, rows: np.ndarray, secrets: np.ndarray, ids: np.ndarray) -> None:
        if isinstance(batch, WideBatch):
            held = np.any(batch.amounts != 0, axis=2)
            r, j = np.nonzero(held)
            holdings.add(j, ids[r], batch.amounts[r, j], rows[r])
        else:
            known = np.flatnonzero(batch.asset_index >= 0)
            # Zero amounts are spilled too (dropped when sorted): a uid that lists an asset
            # twice is an error whatever the amounts, as in v1.
            holdings.add(batch.asset_index[known], ids[known], batch.limbs[known], rows[known])
        uid_writer.add(rows, batch.uids, secrets, ids)

    # One batch is written to the buckets on a second thread while the next is read and
    # hashed (NumPy, Polars, the hasher and file writes release the GIL): two batches at
    # most in memory, as batch_rows allows for.
    writing: Future[None] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="solvent-spill") as writer:
        try:
            for batch in stream.batches():
                k = len(batch.uids)
                rows = np.arange(batch.offset + 1, batch.offset + k + 1, dtype=np.int64)
                if stream.problems:
                    # Keep reading to report every bad row at once, but hash nothing more.
                    progress("read ledger", batch.offset + k, total)
                    continue
                secrets, ids = derive_ids(master_key, req.snapshot_id, batch.uids, hasher)
                if writing is not None:
                    writing.result()
                writing = writer.submit(write, batch, rows, secrets, ids)
                progress("read ledger", batch.offset + k, total)
            if writing is not None:
                writing.result()
        finally:
            if writing is not None:
                wait([writing])
            holdings.close()
    rounded = {a.symbol: r for a, r in zip(req.assets, stream.rounded, strict=True) if r}
    return stream, rounded


@dataclass(frozen=True)
class _Duplicates:
    """Rows whose uid an earlier row already had (wide layout): the first few, and how many."""

    shown: tuple[tuple[int, int, str], ...] = ()
    total: int = 0


@dataclass(frozen=True)
class _BucketJob:
    """Pass 2 for one bucket (run in a worker process): its leaves, and its users.csv rows.

    A clean function of the bucket's spill files: it writes ``leaves-BBB.bin`` and
    ``users-BBB.csv`` and returns what it found.
    """

    spill: Path
    n_assets: int
    wide: bool

    def __call__(self, bucket: int) -> tuple[SortedBucket, _Duplicates]:
        sorted_bucket = sort_bucket(self.spill, bucket, self.n_assets)
        source = _keys_path(self.spill, bucket)
        duplicates = _Duplicates()
        if not source.exists():
            return sorted_bucket, duplicates
        rec = np.fromfile(source, dtype=np.uint8).reshape(-1, ACCOUNT)
        text = np.fromfile(_uid_path(self.spill, bucket), dtype=np.uint8)
        m = rec.shape[0]
        offsets = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(rec[:, 72:76].copy().view(">u4").ravel(), out=offsets[1:])
        if offsets[-1] != text.shape[0]:
            raise RuntimeError(f"spill bucket {bucket}: the uid lengths do not add up to its uid file")
        rows = rec[:, 64:72].copy().view(">u8").ravel().astype(np.int64)
        # Rows were spilled in ledger order, so a stable sort by id keeps each uid's first
        # row first; one uid always has one id, and an id listed again is a repeated uid.
        order = id_order(id_words(np.ascontiguousarray(rec[:, 32:64])))
        ordered = rec[order, 32:64]
        again = np.zeros(m, dtype=np.bool_)
        again[1:] = np.all(ordered[1:] == ordered[:-1], axis=1)
        if again.any() and self.wide:
            first_of_run = np.flatnonzero(~again)[np.cumsum(~again) - 1]
            later = np.flatnonzero(again)
            later = later[np.argsort(rows[order[later]], kind="stable")]
            shown = tuple(
                (int(rows[order[i]]), int(rows[order[first_of_run[i]]]), _uid_text(text, offsets, int(order[i])))
                for i in later[:5].tolist()
            )
            duplicates = _Duplicates(shown, len(later))
        keep = order[~again]  # each account once, in hashed-id order
        uid_text, uid_offsets = gather_bytes(text, offsets, keep)
        users = pl.DataFrame(
            [
                strings_from_bytes(uid_text, uid_offsets, "uid"),
                hex_column(np.ascontiguousarray(rec[keep, :32]), "user_secret"),
                hex_column(np.ascontiguousarray(rec[keep, 32:64]), "hashed_id"),
            ]
        )
        with os.fdopen(secret_file(_users_path(self.spill, bucket)), "wb") as f:
            users.write_csv(f, include_header=False, line_terminator="\n")
        return sorted_bucket, duplicates


def _uid_text(text: np.ndarray, offsets: np.ndarray, i: int) -> str:
    return bytes(text[offsets[i] : offsets[i + 1]]).decode("utf-8")


def _warm() -> None:
    """Nothing: a pool worker that ran it has imported this module (and Polars, NumPy)."""


@contextmanager
def _interrupts_ignored_by_new_processes() -> Iterator[None]:
    """SIGINT ignored while the workers are started: an ignored signal stays ignored across
    exec, so a worker interrupted while it is still importing ends without a traceback
    (until :func:`_quiet_on_interrupt` takes over).  Main thread only; a Ctrl-C in these
    few milliseconds is lost, which is the price."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _quiet_on_interrupt() -> None:
    """A pool worker's start: Ctrl-C (sent by the terminal to every process of the build)
    ends it at once and silently.  The parent is interrupted too and removes the
    temporary folder; a worker's traceback would only bury the one "interrupted" line."""
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(130))


@contextmanager
def _pool(workers: int) -> Iterator[Executor | None]:
    """A process pool of ``workers`` (none for one worker), its imports started at once so
    that they overlap the spill; stopped, queued work cancelled, however the build ends."""
    if workers <= 1:
        yield None
        return
    # spawn, not fork: the parent runs Polars' and the hasher's threads.
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet_on_interrupt
    )
    try:
        with _interrupts_ignored_by_new_processes():
            for _ in range(workers):
                pool.submit(_warm)
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _sort_all(
    job: _BucketJob, pool: Executor | None, progress: Progress
) -> tuple[list[SortedBucket], list[_Duplicates]]:
    results: list[SortedBucket] = []
    duplicates: list[_Duplicates] = []
    found = map(job, range(BUCKETS)) if pool is None else pool.map(job, range(BUCKETS))
    for b, (s, d) in enumerate(found):
        results.append(s)
        duplicates.append(d)
        for consumed in (holding_path(job.spill, b), _uid_path(job.spill, b), _keys_path(job.spill, b)):
            consumed.unlink(missing_ok=True)
        progress("sort buckets", b + 1, BUCKETS)
    return results, duplicates


def _write_users(spill: Path, path: Path, progress: Progress) -> None:
    """``users.csv``: the header, then every bucket's rows (in hashed-id order)."""
    with os.fdopen(secret_file(path), "wb") as out:
        out.write(b"uid,user_secret,hashed_id\n")
        for b in range(BUCKETS):
            part = _users_path(spill, b)
            if part.exists():
                with part.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
                part.unlink()
            progress("users.csv", b + 1, BUCKETS)


@dataclass(frozen=True)
class _TreeJob:
    """Pass 3 for one asset (run in a worker process): a clean function of the sorted
    buckets that writes only that asset's tree files and CSV."""

    asset: Asset
    leaves: AssetLeaves
    hasher: str | None
    public: Path

    def __call__(self) -> tuple[AssetTree, dict[str, str]]:
        return _asset_tree(self.asset, self.leaves, hasher=self.hasher, public=self.public)


@dataclass(frozen=True)
class _IndexJob:
    """The look-up index (``accounts.bin``, ``positions.bin``) from the sorted buckets."""

    spill: Path
    counts: tuple[tuple[int, ...], ...]
    public: Path

    def __call__(self) -> dict[str, str]:
        return write_account_index(self.spill, self.counts, self.public)


def _asset_tree(
    asset: Asset, leaves: AssetLeaves, *, hasher: str | None, public: Path
) -> tuple[AssetTree, dict[str, str]]:
    """Pass 3 for one asset: its tree files and its CSV, from one stream of its leaves."""
    csv_name = liabilities_file(asset.symbol)
    (public / csv_name).parent.mkdir(parents=True, exist_ok=True)
    csv = AssetCsvWriter(public / csv_name, asset.decimals)

    def leaves_and_csv(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        ids, limbs = leaves(start, stop)
        csv.write(ids, limbs.reshape(-1, 2))
        return ids, limbs

    try:
        built = build_asset_tree(asset, leaves.leaf_count, leaves_and_csv, get_hasher(hasher), public)
    except SumOverflow as e:
        raise InputError(
            f"the {asset.symbol} balances add up to 2^128 base units or more", evidence={"asset": asset.symbol}
        ) from e
    finally:
        digest = csv.close()
    return AssetTree(asset, built.root), {**built.digests, csv_name: digest}


def _build_trees(
    req: BuildRequest,
    spill: Path,
    buckets: Sequence[SortedBucket],
    public: Path,
    *,
    pool: Executor | None,
    progress: Progress,
) -> tuple[list[AssetTree], dict[str, str]]:
    """Every asset's tree and CSV and the look-up index, the biggest first (so that the
    workers finish together); returns the trees in manifest order and every file's digest
    in manifest order of assets, then the index's."""
    counts = tuple(b.counts for b in buckets)
    every = AssetLeaves.every_asset(spill, counts, len(req.assets))
    holdings = sum(leaves.leaf_count for leaves in every)
    total, done = 2 * holdings, 0
    index_job = _IndexJob(spill, counts, public)
    jobs = [_TreeJob(asset, every[j], req.hasher, public) for j, asset in enumerate(req.assets)]
    order = sorted(range(len(jobs)), key=lambda j: -every[j].leaf_count)
    trees: dict[int, tuple[AssetTree, dict[str, str]]] = {}
    index: dict[str, str] = {}
    if pool is None:
        index = index_job()
        done += holdings
        progress("asset trees", done, total)
        for j in order:
            trees[j] = jobs[j]()
            done += every[j].leaf_count
            progress("asset trees", done, total)
    else:
        pending: dict[Future[object], int] = {pool.submit(index_job): -1}
        pending.update({pool.submit(jobs[j]): j for j in order})
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                j = pending.pop(future)
                result = future.result()  # a failed unit raises here; the pool's exit cancels the rest
                if j < 0:
                    index = result  # type: ignore[assignment]
                    done += holdings
                else:
                    trees[j] = result  # type: ignore[assignment]
                    done += every[j].leaf_count
                progress("asset trees", done, total)
    digests: dict[str, str] = {}
    for j in range(len(jobs)):
        digests.update(trees[j][1])
    digests.update(index)
    return [trees[j][0] for j in range(len(jobs))], digests


def build_snapshot_v2(
    req: BuildRequest,
    *,
    clock: Callable[[], str] = utc_now,
    progress: Progress = lambda stage, done, total: None,
    workers: int | None = None,
    memory: int = DEFAULT_MEMORY,
) -> BuildResultV2:
    """Build and sign a v2 snapshot; nothing is left at ``req.out`` unless it all succeeded.

    ``memory`` (bytes) bounds the batch size; the peak does not grow with the number of
    accounts (each bucket holds about 1/256 of the holdings).  ``workers`` processes sort
    the buckets and build the asset trees (default: the CPU cores, at most 2); the
    snapshot is the same byte for byte whatever their number.
    """
    snapshot_id, taken_at = _check_request(req, clock)
    master_key = load_master_key(req.master_key_file)
    signing_key = load_signing_key(req.signing_key_file)
    workers = workers or min(2, os.cpu_count() or 1)
    timer = StageTimer()
    lap = timer.lap
    inputs = (req.ledger, req.master_key_file, req.signing_key_file, req.reserves)
    with SnapshotWriter(req.out, replace=req.replace, inputs=inputs) as writer, _pool(workers) as pool:
        attestation = _attach_reserves(req, writer)
        spill = writer.tmp / SPILL_DIR
        spill.mkdir(mode=0o700)
        stream, rounded = _spill(req, spill, master_key, progress, memory)
        stream.check()
        lap("read and spill")
        crash_point("build:spilled")
        job = _BucketJob(spill, len(req.assets), stream.layout == "wide")
        buckets, duplicates = _sort_all(job, pool, progress)
        _report_repeats(stream, req.assets, buckets, duplicates)
        lap("sort buckets")
        crash_point("build:sorted")
        _write_users(spill, writer.private / USERS_FILE, progress)
        lap("users.csv")
        crash_point("build:users")
        trees, digests = _build_trees(req, spill, buckets, writer.public, pool=pool, progress=progress)
        for name, digest in digests.items():
            writer.bind(name, digest)
        lap("trees and CSVs")
        crash_point("build:trees")
        shutil.rmtree(spill)
        manifest = Manifest(
            req.exchange, snapshot_id, taken_at, sum(b.holders for b in buckets), tuple(trees), writer.digests
        )
        if attestation is not None:
            from solvent.reserves.recheck import check_against_manifest

            try:
                check_against_manifest(attestation, manifest)
            except SolventError as e:
                raise InputError(f"--reserves: {e}", evidence=e.evidence) from e
        out = writer.finish(manifest, signing_key, parse=parse_manifest)
        lap("sign and publish")
    return BuildResultV2(out, manifest, timer.seconds, rounded)


def _report_repeats(
    stream: LedgerStream, assets: Sequence[Asset], buckets: Sequence[SortedBucket], duplicates: Sequence[_Duplicates]
) -> None:
    """Duplicate uids (wide) and assets listed twice by one uid (long) are the ledger's problems."""
    columns = list(stream.src.columns)
    for found in duplicates:
        stream.problems.count(found.total)
        for row, first, uid in found.shown:
            shown = uid if len(uid) <= 40 else uid[:37] + "..."
            stream.problems.add(
                row, columns.index("uid"), "uid", f"duplicate account: uid {shown!r} already appears in row {first}"
            )
    if stream.layout != "wide":
        for b in buckets:
            for rep in b.repeats:
                stream.add_problem(
                    rep.row,
                    columns.index("asset"),
                    "asset",
                    f"this uid lists {assets[rep.asset].symbol} again (first in row {rep.first_row}); "
                    "each uid and asset may appear once",
                )
    stream.check()
