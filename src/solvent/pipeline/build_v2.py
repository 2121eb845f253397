"""``solvent build`` for protocol v2: one sum tree per asset, in memory bounded by the batch
size however many accounts the ledger holds.

Three passes, each over a bounded amount of data at a time:

1. **Spill.** The ledger is read a batch at a time (:func:`solvent.ingest.ledger.stream_ledger`);
   every row's user secret and hashed id are derived in bulk; each non-zero holding is
   appended to the bucket of its id's first byte (:class:`solvent.tree.buckets.BucketWriter`),
   and each row's uid to the same bucket's uid file (for ``users.csv``).
2. **Sort, bucket by bucket** (both cores): each bucket's holdings are sorted by (asset,
   id) into leaves, ids listed twice for one asset are found, and the bucket's accounts
   get their ``users.csv`` rows (secrets derived again from the uid, never spilled).
3. **Trees, asset by asset**: each asset's leaves stream out of the sorted buckets in
   leaf order into the tree builder and ``liabilities/<S>.csv`` at once.

The spill folder lives inside the snapshot writer's temporary directory beside
``--out`` (mode 0700), so a failed or interrupted build removes it with everything else;
a successful one removes it before the snapshot is renamed into place.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from solvent.columnar.hexcols import hex_column
from solvent.columnar.liabilities_csv import AssetCsvWriter
from solvent.ingest.ledger import LedgerStream, stream_ledger
from solvent.ingest.long import LongBatch
from solvent.ingest.wide import WideBatch
from solvent.pipeline.build import BuildRequest, StageTimer, _attach_reserves, _check_request, utc_now
from solvent.protocol.assets import Asset
from solvent.protocol.errors import InputError, SolventError, SumOverflow
from solvent.protocol.layout import USERS_FILE
from solvent.protocol.v2.manifest import AssetTree, Manifest, liabilities_file, parse_manifest
from solvent.publish.keys import load_master_key, load_signing_key
from solvent.publish.snapshot import SnapshotWriter
from solvent.tree.buckets import (
    AssetLeaves,
    BucketWriter,
    SortedBucket,
    bucket_of,
    sort_bucket,
    write_account_index,
)
from solvent.tree.builder import build_asset_tree
from solvent.tree.bulk_hash import get_hasher
from solvent.tree.bulk_ids import derive_ids, leaf_order

__all__ = ["DEFAULT_MEMORY", "BuildResultV2", "Progress", "batch_rows", "build_snapshot_v2"]

#: ``progress(stage, done, total)``: ``total`` is 0 when it is not known in advance.
Progress = Callable[[str, int, int], None]
SPILL_DIR = "spill"
BUCKETS = 256
#: What a build may use by default: fits a 4 GB machine with room for the system.
DEFAULT_MEMORY = 2 << 30


@dataclass(frozen=True)
class BuildResultV2:
    out: Path
    manifest: Manifest
    seconds: dict[str, float] = field(default_factory=dict)
    rounded: dict[str, int] = field(default_factory=dict)


def _uid_path(spill: Path, bucket: int) -> Path:
    return spill / f"uids-{bucket:03d}.csv"


def _users_path(spill: Path, bucket: int) -> Path:
    return spill / f"users-{bucket:03d}.csv"


class _UidWriter:
    """Each row's uid, appended to its id's bucket: ``row,uid`` CSV (Polars quotes as needed)."""

    def __init__(self, spill: Path) -> None:
        self.spill = spill
        self.files: dict[int, object] = {}

    def add(self, rows: np.ndarray, uids: pl.Series, buckets: np.ndarray) -> None:
        frame = pl.DataFrame({"row": rows, "uid": uids, "b": buckets.astype(np.int32)})
        for (b,), part in frame.partition_by("b", as_dict=True, include_key=False).items():
            with _uid_path(self.spill, int(b)).open("ab") as f:
                part.write_csv(f, include_header=False, line_terminator="\n")


def batch_rows(memory: int, n_assets: int) -> int:
    """Ledger rows per batch for a memory budget (bytes): a batch costs about its parsed
    text and limbs (~48 bytes per asset), its ids and secrets, and Polars' own copies;
    a quarter of the budget goes to a batch, the rest to the engine and the sort pass."""
    per_row = 256 + 96 * n_assets
    return max(1024, min(1 << 20, memory // 4 // per_row))


def _spill(
    req: BuildRequest, spill: Path, master_key: bytes, progress: Progress, chunk_rows: int
) -> tuple[LedgerStream, dict[str, int]]:
    """Pass 1: the ledger into bucket files; returns the stream (for its problems) and round-ups."""
    hasher = get_hasher(req.hasher)
    stream = stream_ledger(req.ledger, req.assets, layout=req.layout, round_up=req.round_up, chunk_rows=chunk_rows)
    holdings = BucketWriter(spill)
    uid_writer = _UidWriter(spill)
    total = stream.src.rows_hint
    try:
        for batch in stream.batches():
            k = len(batch.uids)
            rows = np.arange(batch.offset + 1, batch.offset + k + 1, dtype=np.int64)
            if stream.problems:
                # Keep reading to report every bad row at once, but hash nothing more.
                progress("read ledger", batch.offset + k, total)
                continue
            _, ids = derive_ids(master_key, req.snapshot_id, batch.uids, hasher)
            if isinstance(batch, WideBatch):
                held = np.any(batch.amounts != 0, axis=2)
                r, j = np.nonzero(held)
                holdings.add(j, ids[r], batch.amounts[r, j], rows[r])
            else:
                assert isinstance(batch, LongBatch)
                known = np.flatnonzero(batch.asset_index >= 0)
                # Zero amounts are spilled too (dropped when sorted): a uid that lists an asset
                # twice is an error whatever the amounts, as in v1.
                holdings.add(batch.asset_index[known], ids[known], batch.limbs[known], rows[known])
            uid_writer.add(rows, batch.uids, bucket_of(ids))
            progress("read ledger", batch.offset + k, total)
    finally:
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
    master_key: bytes
    snapshot_id: str
    hasher: str | None
    wide: bool

    def __call__(self, bucket: int) -> tuple[SortedBucket, _Duplicates]:
        sorted_bucket = sort_bucket(self.spill, bucket, self.n_assets)
        source = _uid_path(self.spill, bucket)
        duplicates = _Duplicates()
        if not source.exists():
            return sorted_bucket, duplicates
        frame = pl.read_csv(
            source, has_header=False, new_columns=["row", "uid"], schema_overrides={"row": pl.Int64, "uid": pl.String}
        ).sort("row")
        repeated = frame.filter(pl.col("uid").is_duplicated())
        if repeated.height:
            firsts = repeated.group_by("uid").agg(pl.col("row").min().alias("first"))
            later = repeated.join(firsts, on="uid").filter(pl.col("row") != pl.col("first")).sort("row")
            if self.wide:
                shown = tuple((r, f, u) for r, f, u in later.select("row", "first", "uid").head(5).iter_rows())
                duplicates = _Duplicates(shown, later.height)
            frame = frame.unique(subset="uid", keep="first", maintain_order=True)
        uids = frame["uid"]
        secrets, ids = derive_ids(self.master_key, self.snapshot_id, uids, get_hasher(self.hasher))
        order = leaf_order(ids)
        users = pl.DataFrame(
            [
                uids.gather(order).alias("uid"),
                hex_column(secrets[order], "user_secret"),
                hex_column(ids[order], "hashed_id"),
            ]
        )
        with _users_path(self.spill, bucket).open("wb") as f:
            users.write_csv(f, include_header=False, line_terminator="\n")
        return sorted_bucket, duplicates


def _executor(workers: int) -> Executor:
    # spawn, not fork: the parent runs Polars' and the hasher's threads.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def _sort_all(job: _BucketJob, workers: int, progress: Progress) -> tuple[list[SortedBucket], list[_Duplicates]]:
    results: list[SortedBucket] = []
    duplicates: list[_Duplicates] = []
    if workers <= 1:
        for b in range(BUCKETS):
            s, d = job(b)
            results.append(s)
            duplicates.append(d)
            progress("sort buckets", b + 1, BUCKETS)
        return results, duplicates
    with _executor(workers) as pool:
        for b, (s, d) in enumerate(pool.map(job, range(BUCKETS))):
            results.append(s)
            duplicates.append(d)
            progress("sort buckets", b + 1, BUCKETS)
    return results, duplicates


def _write_users(spill: Path, path: Path) -> None:
    """``users.csv``: the header, then every bucket's rows (in hashed-id order)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(b"uid,user_secret,hashed_id\n")
        for b in range(BUCKETS):
            part = _users_path(spill, b)
            if part.exists():
                with part.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)


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
    accounts (each bucket holds about 1/256 of the holdings).
    """
    snapshot_id, taken_at = _check_request(req, clock)
    master_key = load_master_key(req.master_key_file)
    signing_key = load_signing_key(req.signing_key_file)
    workers = workers or min(2, os.cpu_count() or 1)
    timer = StageTimer()
    lap = timer.lap
    with SnapshotWriter(req.out, replace=req.replace) as writer:
        attestation = _attach_reserves(req, writer)
        spill = writer.tmp / SPILL_DIR
        spill.mkdir(mode=0o700)
        stream, rounded = _spill(req, spill, master_key, progress, batch_rows(memory, len(req.assets)))
        stream.check()
        lap("read and spill")
        job = _BucketJob(spill, len(req.assets), master_key, snapshot_id, req.hasher, stream.layout == "wide")
        buckets, duplicates = _sort_all(job, workers, progress)
        _report_repeats(stream, req.assets, buckets, duplicates)
        lap("sort buckets")
        _write_users(spill, writer.private / USERS_FILE)
        lap("users.csv")
        counts = [b.counts for b in buckets]
        trees = []
        for j, asset in enumerate(req.assets):
            leaves = AssetLeaves(spill, counts, j)
            tree, digests = _asset_tree(asset, leaves, hasher=req.hasher, public=writer.public)
            for name, digest in digests.items():
                writer.bind(name, digest)
            trees.append(tree)
            progress("asset trees", j + 1, len(req.assets))
        for name, digest in write_account_index(spill, counts, writer.public).items():
            writer.bind(name, digest)
        lap("trees and CSVs")
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
