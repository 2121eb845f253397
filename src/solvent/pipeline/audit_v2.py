"""``solvent audit`` for a v2 snapshot, vectorised: one unit of work per asset tree.

docs/spec.md §13.6 (The full data and the tree files).  The order of the checks, their
errors and the driver (both cores, the accounts count, the account index) are
:mod:`solvent.pipeline.audit_common_v2`'s, shared with the standard-library auditor; this
module brings the two fast functions:

* :func:`audit_asset` streams ``liabilities/<S>.csv`` a block of rows at a time (Polars
  parses each block, NumPy checks it), checks the order across block boundaries, spills
  each row's ``(id, asset, index)`` by the id's first byte, and feeds the rows to the tree
  builder (:func:`solvent.tree.builder.build_asset_tree`), which hashes in chunks with the
  native hasher and compares every published tree file as it goes.  Memory: one block and
  one chunk of the tree, whatever the number of holders.
* :func:`count_prefix` counts the distinct ids of one id prefix over all trees and
  rebuilds its part of ``tree/accounts.bin`` and ``tree/positions.bin``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import polars as pl

from solvent.columnar import u128
from solvent.columnar.decimal_text import with_parsed
from solvent.columnar.hexcols import hex_to_bytes, id_words
from solvent.pipeline.audit_common import AuditResult
from solvent.pipeline.audit_common_v2 import (
    CSV_HEADER,
    PREFIXES,
    SPILL_RECORD,
    AssetJob,
    AssetOutcome,
    PrefixJob,
    PrefixOutcome,
    check_tree,
    lone_csv_job,
    order_error,
    overflow_error,
    padding_error,
    scan_csv,
    spill_path,
    value_error,
    worker_spill,
    zero_error,
)
from solvent.pipeline.audit_run_v2 import run_audit_v2
from solvent.protocol.assets import Asset
from solvent.protocol.errors import SolventError, SumOverflow
from solvent.protocol.v2.manifest import AssetRoot, Manifest
from solvent.tree.builder import DEFAULT_CHUNK_LOG2, BuiltAssetTree, build_asset_tree
from solvent.tree.bulk_hash import get_hasher

__all__ = ["CHUNK_ROWS", "audit_asset", "audit_snapshot_v2", "count_prefix", "csv_root"]

U8 = npt.NDArray[np.uint8]
CHUNK_ROWS = 1 << DEFAULT_CHUNK_LOG2
#: Bytes read per block of about ``chunk_rows`` rows (a row is 66 bytes and its amount).
_ROW_BYTES = 96
_ID = "hashed_id"
_AMOUNT = "amount"


def _blocks(path: Path, chunk_rows: int) -> Iterator[bytes]:
    """The data rows of a CSV that passed ``scan_bytes``, in blocks of whole lines."""
    size = max(1, chunk_rows) * _ROW_BYTES
    with path.open("rb") as f:
        f.seek(len(CSV_HEADER))
        carry = b""
        while block := f.read(size):
            block = carry + block
            cut = block.rfind(b"\n") + 1
            carry = block[cut:]
            if cut:
                yield block[:cut]
        if carry:  # pragma: no cover - scan_bytes checked the final LF
            yield carry


def _parse(block: bytes, decimals: int) -> tuple[U8, u128.U128] | None:
    """A block's ids ``(k, 32)`` and amounts ``(k, 2)``; None if any row is not strictly in the format."""
    lines = block.count(b"\n")
    try:
        frame = pl.read_csv(
            block,
            has_header=False,
            schema={_ID: pl.String, _AMOUNT: pl.String},
            quote_char=None,
            empty_string_is_null=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return None
    if frame.height != lines:
        return None
    idc = pl.col(_ID)
    lf = frame.lazy().with_columns(idc.str.contains("^[0-9a-f]{64}$").fill_null(False).alias("_idok"))
    lf = lf.with_columns(
        pl.when(pl.col("_idok"))
        .then(idc)
        .otherwise(pl.lit("0" * 64))
        .cast(pl.Binary)
        .bin.reinterpret(dtype=pl.Array(pl.UInt8, 64))
        .alias("_idraw")
    )
    out = with_parsed(lf, pl.col(_AMOUNT), decimals, prefix="_a", canonical=True).collect()
    if not out["_idok"].all() or out["_astatus"].to_numpy().any():
        return None
    ids = hex_to_bytes(out["_idraw"].to_numpy())
    limbs = np.empty((out.height, 2), dtype=np.uint64)
    limbs[:, 0] = out["_ahi"].to_numpy()
    limbs[:, 1] = out["_alo"].to_numpy()
    return ids, limbs


def _first_bad(words: npt.NDArray[np.uint64], previous: npt.NDArray[np.uint64] | None, limbs: u128.U128) -> int | None:
    """The first row (0-based) with a zero amount, the padding id, or an id not above the one before it."""
    zero = ~limbs.any(axis=1)
    pad = ~words.any(axis=1)
    both = words if previous is None else np.concatenate([previous.reshape(1, 4), words])
    a, b = both[:-1], both[1:]
    differs = a != b
    first = np.argmax(differs, axis=1)
    rows = np.arange(a.shape[0])
    ascending = differs.any(axis=1) & (b[rows, first] > a[rows, first])
    bad_order = np.zeros(words.shape[0], dtype=np.bool_)
    bad_order[words.shape[0] - a.shape[0] :] = ~ascending
    bad = np.flatnonzero(zero | pad | bad_order)
    return int(bad[0]) if bad.size else None


#: This process's open spill files, kept open from one asset to the next: a file is
#: opened once per worker, not once per asset (a snapshot may have a thousand assets).
_SPILL_FILES: dict[Path, BinaryIO] = {}


def _close_spill_files() -> None:
    for f in _SPILL_FILES.values():
        f.close()
    _SPILL_FILES.clear()


class _Spill:
    """``(id, asset, index)`` records appended to this worker's file of each id's first byte."""

    def __init__(self, directory: Path, number: int) -> None:
        if any(path.parent != directory for path in _SPILL_FILES):
            _close_spill_files()  # another audit's, in this process
        self.directory = directory
        self.asset = np.frombuffer(number.to_bytes(2, "big"), dtype=np.uint8)

    def add(self, ids: U8, first_index: int) -> None:
        k = ids.shape[0]
        rec = np.empty((k, SPILL_RECORD), dtype=np.uint8)
        rec[:, :32] = ids
        rec[:, 32:34] = self.asset
        rec[:, 34:42] = np.arange(first_index, first_index + k, dtype=">u8").view(np.uint8).reshape(k, 8)
        # The ids ascend, so each first byte's rows are one run.
        bounds = np.searchsorted(ids[:, 0], np.arange(PREFIXES + 1), side="left")
        for b in np.flatnonzero(np.diff(bounds)).tolist():
            path = spill_path(self.directory, b)
            f = _SPILL_FILES.get(path)
            if f is None:
                f = _SPILL_FILES[path] = path.open("ab")
            f.write(rec[bounds[b] : bounds[b + 1]].data)

    def close(self) -> None:
        """Flush (the accounts count reads the files once every asset is done)."""
        for f in _SPILL_FILES.values():
            f.flush()


class _Feed:
    """The CSV's rows for the tree builder, in order, checked as they stream past: values
    (2), zero amounts, padding and order (3); the column total; the spill."""

    def __init__(self, job: AssetJob, spill: Path | None) -> None:
        self.job = job
        self.decimals = job.tree.asset.decimals
        self.blocks = _blocks(job.public / job.csv_name, job.chunk_rows)
        self.ids = np.zeros((0, 32), dtype=np.uint8)
        self.limbs = np.zeros((0, 2), dtype=np.uint64)
        self.row = 0  # rows read so far
        self.previous: npt.NDArray[np.uint64] | None = None
        self.bad_values = False
        self.violation: SolventError | None = None
        self.total = 0
        self.spill = _Spill(spill, job.number) if spill is not None else None

    def _pull(self) -> bool:
        block = next(self.blocks, None)
        if block is None:
            return False
        k = block.count(b"\n")
        parsed = None if self.bad_values else _parse(block, self.decimals)
        if parsed is None:  # (2) the strict reader names the rows, after the pass
            self.bad_values = True
            ids, limbs = np.zeros((k, 32), dtype=np.uint8), np.zeros((k, 2), dtype=np.uint64)
        else:
            ids, limbs = parsed
            if self.violation is None:
                self._check(ids, limbs)
            self.total += u128.total(limbs.reshape(k, 1, 2))[0]
        self.ids = np.concatenate([self.ids, ids])
        self.limbs = np.concatenate([self.limbs, limbs])
        self.row += k
        return True

    def _check(self, ids: U8, limbs: u128.U128) -> None:
        words = id_words(ids)
        bad = _first_bad(words, self.previous, limbs)
        first_row = self.row + 1
        if bad is not None:
            name, row = self.job.csv_name, first_row + bad
            if not limbs[bad].any():
                self.violation = zero_error(name, row)
            elif not ids[bad].any():
                self.violation = padding_error(name, row)
            else:
                previous = ids[bad - 1].tobytes() if bad else _bytes(self.previous)
                self.violation = order_error(name, row, previous, ids[bad].tobytes())
            return
        self.previous = words[-1].copy()
        if self.spill is not None:
            self.spill.add(ids, first_row - 1)

    def __call__(self, start: int, stop: int) -> tuple[U8, u128.U128]:
        """Leaves ``start..stop`` (the builder asks for them in order)."""
        k = stop - start
        while self.ids.shape[0] < k and self._pull():
            pass
        ids, limbs = self.ids[:k], self.limbs[:k]
        self.ids, self.limbs = self.ids[k:], self.limbs[k:]
        return np.ascontiguousarray(ids), limbs.reshape(-1, 1, 2)

    def drain(self) -> None:
        """Read the rest of the file for the checks of (2) and (3), building nothing."""
        while self._pull():
            self.ids, self.limbs = self.ids[:0], self.limbs[:0]

    def close(self) -> None:
        if self.spill is not None:
            self.spill.close()


def _bytes(words: npt.NDArray[np.uint64] | None) -> bytes:
    assert words is not None
    return words.astype(">u8").tobytes()


def _chunk_log2(chunk_rows: int) -> int:
    return max(1, min(DEFAULT_CHUNK_LOG2, chunk_rows.bit_length() - 1))


def _rebuild(job: AssetJob, spill: Path | None) -> tuple[BuiltAssetTree, int]:
    """Checks (2)-(4) of a CSV that passed (1), and its tree rebuilt: the tree and the column total."""
    feed = _Feed(job, spill)
    overflow: SumOverflow | None = None
    try:
        try:
            built = build_asset_tree(
                job.tree.asset,
                job.tree.root.leaf_count,
                feed,
                get_hasher(job.hasher),
                compare_dir=job.public if job.present else None,
                chunk_log2=_chunk_log2(job.chunk_rows),
            )
        except SumOverflow as e:
            overflow = overflow_error(job.tree.symbol, int(e.evidence.get("level", 0)), int(e.evidence.get("index", 0)))
        feed.drain()
    finally:
        feed.close()
    if feed.bad_values:
        raise value_error(job)
    if feed.violation is not None:
        raise feed.violation
    if overflow is not None:
        raise overflow
    return built, feed.total


def audit_asset(job: AssetJob) -> AssetOutcome:
    """One asset's checks (1)-(6) of :mod:`~solvent.pipeline.audit_common_v2`: a clean function of its files."""
    symbol = job.tree.symbol
    spill = worker_spill(job)
    try:
        scan_csv(job)
        built, total = _rebuild(job, spill)
        verdict = check_tree(job, built.root, built.digests, built.differences, total)
    except SolventError as e:
        return AssetOutcome(job.number, symbol, error=e, spill=spill)
    return AssetOutcome(job.number, symbol, verdict=verdict, spill=spill)


def csv_root(path: Path, asset: Asset, *, hasher: str | None = None, chunk_rows: int = CHUNK_ROWS) -> AssetRoot:
    """The root of the tree of one ``liabilities/<S>.csv`` on its own, outside any snapshot:
    checks (1)-(4) as in a snapshot's audit (no digest, no manifest to compare), so that the
    conformance vectors reach exactly the reader an audit runs (tests/conformance/)."""
    built, _ = _rebuild(lone_csv_job(path, asset, hasher=hasher, chunk_rows=chunk_rows), None)
    return built.root


def _by_account_then_asset(
    raw: U8, words: npt.NDArray[np.uint64], asset: npt.NDArray[np.uint16]
) -> tuple[U8, npt.NDArray[np.uint64]]:
    """Sort spilled records by id, then asset.  Ids are uniform, so their first 64 bits
    nearly always tell them apart: sort by those and the asset, and fall back to all 256
    bits only where two different ids share them."""
    order = np.lexsort((asset, words[:, 0]))
    w = words[order]
    tie = w[1:, 0] == w[:-1, 0]
    if tie.any() and np.any(w[1:][tie] != w[:-1][tie]):
        order = np.lexsort((asset, words[:, 3], words[:, 2], words[:, 1], words[:, 0]))
        w = words[order]
    return raw[order], w


def count_prefix(job: PrefixJob) -> PrefixOutcome:
    """The distinct ids of one first byte over all trees; with ``records``, this prefix's
    records of ``tree/accounts.bin`` and ``tree/positions.bin``."""
    parts = [np.fromfile(p, dtype=np.uint8) for p in job.files]
    raw = np.concatenate(parts).reshape(-1, SPILL_RECORD) if parts else np.zeros((0, SPILL_RECORD), dtype=np.uint8)
    k = raw.shape[0]
    if k == 0:
        return PrefixOutcome(0)
    words = id_words(np.ascontiguousarray(raw[:, :32]))
    asset = raw[:, 32:34].copy().view(">u2").ravel()
    raw, words = _by_account_then_asset(raw, words, asset)
    first = np.ones(k, dtype=np.bool_)
    first[1:] = np.any(words[1:] != words[:-1], axis=1)
    n = int(first.sum())
    if not job.records:
        return PrefixOutcome(n)
    last = np.append(first[1:], True)
    ends = (job.base + np.flatnonzero(last) + 1).astype(">u8")
    accounts = np.empty((n, 40), dtype=np.uint8)
    accounts[:, :32] = raw[first, :32]
    accounts[:, 32:] = ends.view(np.uint8).reshape(n, 8)
    return PrefixOutcome(n, accounts.tobytes(), np.ascontiguousarray(raw[:, 32:42]).tobytes())


def audit_snapshot_v2(
    public: Path,
    manifest: Manifest,
    *,
    assets: Sequence[str] | None = None,
    hasher: str | None = None,
    workers: int | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: Callable[[str], None] = lambda _: None,
    spill_dir: Path | None = None,
) -> AuditResult:
    """Audit a v2 snapshot from its public files; the caller parsed the manifest and checked its signature."""
    get_hasher(hasher)  # a bad --hasher is a usage error, found before any work
    try:
        return run_audit_v2(
            public,
            manifest,
            audit_asset=audit_asset,
            count_prefix=count_prefix,
            assets=assets,
            hasher=hasher,
            workers=workers,
            chunk_rows=chunk_rows,
            progress=progress,
            spill_dir=spill_dir,
        )
    finally:
        _close_spill_files()  # those of the assets audited in this process (workers=1)
