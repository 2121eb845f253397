"""What both v2 auditors share (standard library only): the units of work, the order of the
checks and their errors.  The driver that runs them is :mod:`solvent.pipeline.audit_run_v2`.

docs/spec.md §13.6 (The full data and the tree files): anyone can rebuild every asset tree
from ``liabilities/<S>.csv``, check the ids ascending, add up each column, count the
distinct ids and compare it all with the manifest.  ``pipeline.audit_v2`` (NumPy, Polars
and the native hasher) and ``pipeline.audit_stdlib_v2`` (hashlib, one row at a time) differ
only in the two functions they hand to :func:`~solvent.pipeline.audit_run_v2.run_audit_v2`:

* ``audit_asset(AssetJob) -> AssetOutcome``: one asset, a clean function of its files.
  Its CSV is streamed a chunk at a time into a frontier tree builder, so memory is bounded
  by the chunk, not by the holders.  Each row's ``(id, asset, index)`` is spilled to one
  of 256 files by the id's first byte (ids are uniform);
* ``count_prefix(PrefixJob) -> PrefixOutcome``: one of those 256 prefixes: its distinct
  ids and its part of ``tree/accounts.bin`` and ``tree/positions.bin``.

The checks of one asset, in this order, each with its own error (both auditors):

1. the CSV's bytes: digest, header ``hashed_id,amount``, LF endings (``scan_bytes``),
   and its row count against ``leaf_count`` (``leaf-count``);
2. every row's values (the strict reader's error: a line that does not split, else the
   first five bad values; the first one's code: ``negative-balance``, ``range`` for a
   canonical amount not below 2^128, ``format`` otherwise);
3. the first row that holds a zero amount (``range``), the padding id or an id not
   above the previous row's (``order``);
4. a sum that reaches 2^128 (``sum-overflow``);
5. every published tree file of the asset equals the rebuilt one (first difference named),
   every bound one's digest equals the rebuilt file's (``file-digest``);
6. the rebuilt root (hash, sum, height, leaf count) equals the manifest's, and so does
   the column total (``root-mismatch``).

The browser's ``parseLiabilitiesCsv`` reports (1)-(4) in the same order with the same codes;
the liabilities-v2 conformance vectors (tests/conformance/vectors/) hold the three readers
to it, each reading one CSV with ``csv_root``.

Then, for a full audit, the distinct ids over all trees equal the manifest's ``accounts``
(``manifest-mismatch``) and the published account index equals the rebuilt one.  Where
several assets fail, the first in manifest order is raised, naming all that failed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from solvent.pipeline.audit_common import AssetVerdict
from solvent.protocol.amounts import AMOUNT_LIMIT
from solvent.protocol.assets import Asset
from solvent.protocol.errors import (
    FileDigestMismatch,
    FormatError,
    OrderViolation,
    RootMismatch,
    SolventError,
    SumOverflow,
)
from solvent.protocol.liabilities_text import ID_COLUMN, RowReader, scan_bytes
from solvent.protocol.v2.hashing import height_for
from solvent.protocol.v2.manifest import AssetRoot, AssetTree, liabilities_file
from solvent.tree.store_v2 import ACCOUNTS_FILE, POSITIONS_FILE

__all__ = [
    "CSV_HEADER",
    "PREFIXES",
    "SPILL_RECORD",
    "AssetJob",
    "AssetOutcome",
    "PrefixJob",
    "PrefixOutcome",
    "StreamCompare",
    "check_tree",
    "lone_csv_job",
    "csv_value_error",
    "order_error",
    "overflow_error",
    "padding_error",
    "scan_csv",
    "spill_path",
    "value_error",
    "worker_spill",
    "zero_error",
]

CSV_HEADER = b"hashed_id,amount\n"
#: A spilled holding: ``hashed_id || u16be(asset number) || u64be(leaf index)``; sorting
#: these bytes sorts by account, then by asset: the order of ``tree/positions.bin``.
SPILL_RECORD = 42
PREFIXES = 256
#: A snapshot with fewer holdings is audited in one process: starting a worker (a fresh
#: interpreter importing NumPy and Polars) costs about as much as a million rows.
PARALLEL_FROM = 1 << 20
ACCOUNT_RECORD = 40
POSITION_RECORD = 10
INDEX_FILES = (ACCOUNTS_FILE, POSITIONS_FILE)


def spill_path(directory: Path, prefix: int) -> Path:
    return directory / f"ids-{prefix:03d}.bin"


def worker_spill(job: AssetJob) -> Path | None:
    """This process's own spill folder (created): the assets it audits append to its files."""
    if job.spill is None:
        return None
    directory = job.spill / f"worker-{os.getpid()}"
    directory.mkdir(mode=0o700, exist_ok=True)
    return directory


def value_error(job: AssetJob) -> SolventError:
    """(2) the strict reader's error for a CSV whose rows do not all parse: both auditors
    report the same first bad values, read by :class:`RowReader` (the fast one only on this
    error path)."""
    return csv_value_error(job.public / job.csv_name, job.tree.asset, job.csv_name)


class _Reader(RowReader):
    """:class:`RowReader`, remembering the line of the first row with a bad value."""

    first_bad: tuple[int, bytes] | None = None

    def _slow_row(self, row: int, raw: bytes) -> None:
        super()._slow_row(row, raw)
        if self.first_bad is None and self.problems:
            self.first_bad = (row, raw)


def csv_value_error(path: Path, asset: Asset, name: str) -> SolventError:
    """The strict reader's error for ``path``, named ``name``: a line that does not split
    (``format``), else the first bad value: negative (``negative-balance``), an amount
    spelled canonically but not below 2^128 base units (``range``, docs/spec.md §10 (Error
    codes)), anything else (``format``).  The browser's ``parseLiabilitiesCsv`` gives the
    same codes (tests/conformance/vectors/liabilities-v2/)."""
    reader = _Reader(path, [asset])
    for _ in reader.rows():
        pass
    try:
        reader.check()
    except SolventError as e:
        evidence = {**e.evidence, "file": name}
        code = e.code
        first = reader.problems[0] if reader.problems else None
        if reader.splits and first is not None and first.field != ID_COLUMN and reader.first_bad is not None:
            row, raw = reader.first_bad
            cell = raw.split(b",")[1] if row == first.row and raw.count(b",") == 1 else b""
            if _out_of_range(cell, asset.decimals):
                code = "range"
        return type(e)(e.message, code=code, evidence=evidence)
    return FormatError(f"{name}: a row cannot be read", evidence={"file": name})


def _out_of_range(cell: bytes, decimals: int) -> bool:
    """An amount in the one canonical spelling (any number of whole digits) whose value is not below 2^128."""
    fraction = rb"\.[0-9]{%d}" % decimals if decimals else b""
    if re.fullmatch(rb"(?:0|[1-9][0-9]*)" + fraction, cell) is None:
        return False
    digits = cell.replace(b".", b"").lstrip(b"0")
    return len(digits) > 39 or int(digits or b"0") >= AMOUNT_LIMIT  # length first: int() refuses 4300+ digits


@dataclass(frozen=True)
class AssetJob:
    """Everything one asset's audit needs, picklable: a unit of work for a worker process."""

    public: Path
    number: int
    tree: AssetTree
    csv_digest: str
    #: The asset's tree files that the manifest binds, with their digests.
    bound: dict[str, str]
    #: The asset's tree files present in the folder (compared, bound or not).
    present: frozenset[str]
    #: Where this worker spills ``(id, asset, index)`` records; None: accounts not counted.
    spill: Path | None
    hasher: str | None
    chunk_rows: int
    #: The CSV's path below ``public`` when it is not ``liabilities/<S>.csv`` (a lone CSV).
    csv: str | None = None

    @property
    def csv_name(self) -> str:
        return self.csv if self.csv is not None else liabilities_file(self.tree.symbol)


@dataclass(frozen=True)
class AssetOutcome:
    number: int
    symbol: str
    error: SolventError | None = None
    verdict: AssetVerdict | None = None
    #: The worker's spill folder, when it spilled.
    spill: Path | None = None


@dataclass(frozen=True)
class PrefixJob:
    prefix: int
    files: tuple[Path, ...]
    #: Holdings in all earlier prefixes: the ``end`` of this prefix's first account starts there.
    base: int
    #: Whether to return the bytes of this prefix's account index records.
    records: bool


@dataclass(frozen=True)
class PrefixOutcome:
    accounts: int
    accounts_bin: bytes = b""
    positions_bin: bytes = b""


# -- the checks, one wording for both auditors ---------------------------------------


def scan_csv(job: AssetJob) -> int:
    """(1) the CSV's bytes and its row count; returns the number of rows."""
    path = job.public / job.csv_name
    if not path.is_file():
        missing = f"{job.csv_name} is bound by the manifest but missing"
        raise FileDigestMismatch(missing, evidence={"file": job.csv_name, "asset": job.tree.symbol})
    try:
        rows = scan_bytes(path, CSV_HEADER, job.csv_digest)
    except FileDigestMismatch as e:  # name the file as the manifest does
        raise FileDigestMismatch(e.message, evidence={**e.evidence, "file": job.csv_name}) from e
    leaf_count = job.tree.root.leaf_count
    if rows != leaf_count:
        raise FormatError(
            f"{job.csv_name}: {rows} rows, the manifest says {leaf_count} leaves for {job.tree.symbol}",
            code="leaf-count",
            evidence={"file": job.csv_name, "asset": job.tree.symbol, "rows": rows, "leaf_count": leaf_count},
        )
    return rows


def lone_csv_job(path: Path, asset: Asset, *, hasher: str | None, chunk_rows: int) -> AssetJob:
    """A job for one CSV outside any snapshot (:func:`solvent.pipeline.audit_v2.csv_root`):
    step (1) on its bytes alone (no digest to compare), its row count taken as the leaf count;
    no tree file is compared and nothing is spilled."""
    try:
        rows = scan_bytes(path, CSV_HEADER)
    except SolventError as e:
        raise type(e)(e.message, code=e.code, evidence={**e.evidence, "file": path.name}) from e
    tree = AssetTree(asset, AssetRoot(bytes(32), 0, height_for(rows), rows))
    return AssetJob(path.parent, 0, tree, "", {}, frozenset(), None, hasher, chunk_rows, csv=path.name)


def zero_error(name: str, row: int) -> FormatError:
    """(3) a holder of nothing is no leaf: zero amounts are never published."""
    return FormatError(
        f"{name}: row {row} (line {row + 1}) has a zero amount; only holders are leaves",
        code="range",
        evidence={"file": name, "row": row, "line": row + 1, "field": "amount"},
    )


def padding_error(name: str, row: int) -> OrderViolation:
    return OrderViolation(f"{name}: row {row} has the padding id (all zeros)", evidence={"file": name, "row": row})


def order_error(name: str, row: int, previous: bytes, hashed_id: bytes) -> OrderViolation:
    kind = "duplicate" if previous == hashed_id else "out of order"
    return OrderViolation(
        f"{name}: hashed ids are not strictly ascending: row {row} ({kind}) does not come after row {row - 1}",
        evidence={"file": name, "row": row, "previous": previous.hex(), "hashed_id": hashed_id.hex()},
    )


def check_tree(
    job: AssetJob,
    root: AssetRoot,
    digests: dict[str, str],
    differences: dict[str, int],
    total: int,
) -> AssetVerdict:
    """(5) and (6): the rebuilt tree's files, digests and root against the published ones."""
    for name in sorted(job.present):
        if name in differences:
            index = differences[name]
            where = f"row {index + 1}" if name.endswith(("ids.bin", "-00.bin")) else f"node {index}"
            raise FileDigestMismatch(
                f"the published {name} differs from the tree rebuilt from {job.csv_name} (first difference: {where})",
                evidence={"file": name, "asset": job.tree.symbol, "first_difference": where, "computed": digests[name]},
            )
    for name, digest in sorted(job.bound.items()):
        if not hmac.compare_digest(digests[name], digest):
            raise FileDigestMismatch(
                f"the manifest binds a {name} other than the one rebuilt from {job.csv_name}",
                evidence={"file": name, "asset": job.tree.symbol, "expected": digest, "computed": digests[name]},
            )
    want = job.tree.root
    if not hmac.compare_digest(root.hash, want.hash) or (root.sum, root.height, root.leaf_count) != (
        want.sum,
        want.height,
        want.leaf_count,
    ):
        raise RootMismatch(
            f"the {job.tree.symbol} tree rebuilt from {job.csv_name} does not have the manifest's root",
            evidence={
                "asset": job.tree.symbol,
                "expected_hash": want.hash.hex(),
                "computed_hash": root.hash.hex(),
                "expected_sum": want.sum,
                "computed_sum": root.sum,
                "expected_height": want.height,
                "computed_height": root.height,
                "expected_leaf_count": want.leaf_count,
                "computed_leaf_count": root.leaf_count,
            },
        )
    if total != want.sum:  # the column total, independently of the tree
        raise RootMismatch(
            f"the {job.tree.symbol} column total differs from its root sum",
            evidence={"asset": job.tree.symbol, "total": total, "expected_sum": want.sum},
        )
    a = job.tree.asset
    return AssetVerdict(a.symbol, a.decimals, want.leaf_count, want.height, total, tuple(sorted(job.present)))


def overflow_error(symbol: str, level: int, index: int) -> SumOverflow:
    return SumOverflow(
        f"the {symbol} sum overflows 2^128 at level {level}", evidence={"asset": symbol, "level": level, "index": index}
    )


class StreamCompare:
    """One file as it is computed: hashed, and compared block by block with the published
    one (if any), read sequentially; the first differing record is found by halving."""

    def __init__(self, published: BinaryIO | None, record: int) -> None:
        self.published = published
        self.record = record
        self.digest = hashlib.sha256()
        self.offset = 0
        self.first_difference: int | None = None

    def add(self, data: bytes | memoryview) -> None:
        self.digest.update(data)
        if self.published is not None and self.first_difference is None:
            theirs = self.published.read(len(data))
            if theirs != data:
                self.first_difference = (self.offset + _first_difference(bytes(data), theirs)) // self.record
        self.offset += len(data)

    def finish(self) -> str:
        """A published file longer than the computed one differs at its first extra record."""
        if self.published is not None:
            if self.first_difference is None and self.published.read(1):
                self.first_difference = self.offset // self.record
            self.published.close()
        return self.digest.hexdigest()


def _first_difference(a: bytes, b: bytes) -> int:
    """The first index where two byte strings differ (one may be a prefix of the other)."""
    lo, hi = 0, min(len(a), len(b))
    if a[:hi] == b[:hi]:
        return hi
    while hi - lo > 1:  # a[:lo] == b[:lo] and a[:hi] != b[:hi]
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo
