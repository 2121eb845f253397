"""``solvent audit`` for a v2 snapshot with the standard library alone: one row at a time.

docs/spec.md §13.6 (The full data and the tree files).  The same checks, order, errors and
driver as :mod:`solvent.pipeline.audit_v2` (both take them from
:mod:`solvent.pipeline.audit_common_v2`), so a verdict never depends on which auditor ran;
it imports nothing outside the standard library.  Slower (hashlib, one row at a time), and
its memory does not grow with the number of holders:

* each ``liabilities/<S>.csv`` is read twice, line by line (the byte scan, then
  :class:`~solvent.protocol.liabilities_text.RowReader`);
* each tree is built with a *frontier*: one pending left child per level, every record
  compared with the published tree file as it is produced and hashed for its digest;
* each row's ``(id, asset, index)`` is spilled by the id's first byte, and each of the
  256 prefixes is sorted on its own to count the accounts and rebuild the account index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

from solvent.pipeline.audit_common import AuditResult
from solvent.pipeline.audit_common_v2 import (
    SPILL_RECORD,
    AssetJob,
    AssetOutcome,
    PrefixJob,
    PrefixOutcome,
    StreamCompare,
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
from solvent.protocol.errors import InputError, SolventError, SumOverflow
from solvent.protocol.liabilities_text import RowReader
from solvent.protocol.v2.hashing import PAD_ID, SumNode, height_for, leaf_node, pad_node, parent
from solvent.protocol.v2.manifest import AssetRoot, Manifest
from solvent.tree.store import ids_file, level_file, tree_files
from solvent.tree.store_v2 import asset_dir

__all__ = ["audit_asset", "audit_snapshot_v2", "count_prefix", "csv_root"]

_MASK = (1 << 128) - 1
#: Spilled records held before they are appended to their files (bytes).
SPILL_BUFFER = 1 << 16


class _Frontier:
    """One asset's tree of docs/spec.md §13.2 (The per-asset tree), built leaf by leaf:
    one pending left child per level."""

    def __init__(self, symbol: str, height: int, files: dict[str, StreamCompare]) -> None:
        directory = asset_dir(symbol)
        self.symbol = symbol
        self.height = height
        self.ids = files[ids_file(directory)]
        self.levels = [files[level_file(k, directory)] for k in range(height + 1)]
        self.pending: list[SumNode | None] = [None] * (height + 1)
        self.counts = [0] * (height + 1)
        self.overflow: SumOverflow | None = None

    def leaf(self, hashed_id: bytes, amount: int) -> None:
        self.ids.add(hashed_id)
        self._arrive(0, leaf_node(self.symbol, hashed_id, amount))

    def _arrive(self, level: int, node: SumNode) -> None:
        """A new node of ``level``, the next in its file: a left child waits, a right one climbs."""
        while True:
            self.levels[level].add(node.record())
            self.counts[level] += 1
            left = self.pending[level]
            if left is None:
                self.pending[level] = node
                return
            self.pending[level] = None
            node = self._parent(level + 1, left, node)
            level += 1

    def _parent(self, level: int, left: SumNode, right: SumNode) -> SumNode:
        try:
            return parent(left, right, level=level, symbol=self.symbol)
        except SumOverflow:
            # Noted, not raised: a bad row later in the file is reported first, as by the
            # vectorised auditor.  The audit fails; the tree goes on with a placeholder node.
            if self.overflow is None:
                self.overflow = overflow_error(self.symbol, level, self.counts[level])
            return SumNode(bytes(32), (left.sum + right.sum) & _MASK)

    def root(self) -> SumNode:
        """Pad the right edge of every level with the padding subtree and return the root."""
        for level in range(self.height):
            left = self.pending[level]
            if left is not None:
                self.pending[level] = None
                self._arrive(level + 1, self._parent(level + 1, left, pad_node(level, self.symbol)))
        top = self.pending[self.height]
        return top if top is not None else pad_node(0, self.symbol)


class _Spill:
    """``(id, asset, index)`` records for this worker's file of each id's first byte, held in
    memory up to :data:`SPILL_BUFFER` bytes in all, then appended to the files."""

    def __init__(self, directory: Path, number: int) -> None:
        self.directory = directory
        self.asset = number.to_bytes(2, "big")
        self.buffers: dict[int, bytearray] = {}
        self.size = 0

    def add(self, hashed_id: bytes, index: int) -> None:
        buffer = self.buffers.get(hashed_id[0])
        if buffer is None:
            buffer = self.buffers[hashed_id[0]] = bytearray()
        buffer += hashed_id + self.asset + index.to_bytes(8, "big")
        self.size += SPILL_RECORD
        if self.size >= SPILL_BUFFER:
            self.close()

    def close(self) -> None:
        """Append what is held; the files are open only while they are written."""
        for prefix, buffer in sorted(self.buffers.items()):
            with spill_path(self.directory, prefix).open("ab") as f:
                f.write(buffer)
        self.buffers.clear()
        self.size = 0


def _rebuild(job: AssetJob, rows: int, spill: Path | None) -> tuple[AssetRoot, dict[str, str], dict[str, int], int]:
    """Checks (2)-(4) of a CSV that passed (1), in one pass over its rows, and its tree
    rebuilt: the root, the tree files' digests and first differences, the column total."""
    symbol, name = job.tree.symbol, job.csv_name
    height = height_for(rows)
    with ExitStack() as stack:
        files = {
            file: StreamCompare(
                stack.enter_context((job.public / file).open("rb")) if file in job.present else None,
                32 if file.endswith("ids.bin") else 48,
            )
            for file in tree_files(height, asset_dir(symbol))
        }
        frontier = _Frontier(symbol, height, files)
        spiller = _Spill(spill, job.number) if spill is not None else None
        stack.callback(lambda: spiller.close() if spiller is not None else None)
        reader = RowReader(job.public / name, [job.tree.asset])
        violation: SolventError | None = None
        previous = b""
        total = 0
        # One pass: (2) every value, (3) zero, padding and order, the tree, the column total.
        for row, hashed_id, (amount,) in reader.rows():
            if violation is None:
                if amount == 0:
                    violation = zero_error(name, row)
                elif hashed_id == PAD_ID:
                    violation = padding_error(name, row)
                elif row > 1 and hashed_id <= previous:
                    violation = order_error(name, row, previous, hashed_id)
                elif spiller is not None:
                    spiller.add(hashed_id, row - 1)
            previous = hashed_id
            total += amount
            frontier.leaf(hashed_id, amount)
        top = frontier.root()
        digests = {file: f.finish() for file, f in files.items()}
    if reader.problems or not reader.splits:
        raise value_error(job)
    if violation is not None:
        raise violation
    if frontier.overflow is not None:
        raise frontier.overflow
    differences = {file: f.first_difference for file, f in files.items() if f.first_difference is not None}
    return AssetRoot(top.hash, top.sum, height, rows), digests, differences, total


def audit_asset(job: AssetJob) -> AssetOutcome:
    """One asset's checks (1)-(6) of :mod:`~solvent.pipeline.audit_common_v2`, in one pass over its rows."""
    symbol = job.tree.symbol
    spill = worker_spill(job)
    try:
        rows = scan_csv(job)
        root, digests, differences, total = _rebuild(job, rows, spill)
        verdict = check_tree(job, root, digests, differences, total)
    except SolventError as e:
        return AssetOutcome(job.number, symbol, error=e, spill=spill)
    return AssetOutcome(job.number, symbol, verdict=verdict, spill=spill)


def csv_root(path: Path, asset: Asset, *, hasher: str | None = None, chunk_rows: int = 1) -> AssetRoot:
    """The root of the tree of one ``liabilities/<S>.csv`` on its own, outside any snapshot:
    checks (1)-(4) as in a snapshot's audit (no digest, no manifest to compare), as
    :func:`solvent.pipeline.audit_v2.csv_root` (tests/conformance/)."""
    job = lone_csv_job(path, asset, hasher=hasher, chunk_rows=chunk_rows)
    root, _, _, _ = _rebuild(job, job.tree.root.leaf_count, None)
    return root


def count_prefix(job: PrefixJob) -> PrefixOutcome:
    """The distinct ids of one first byte over all trees; with ``records``, this prefix's
    records of ``tree/accounts.bin`` and ``tree/positions.bin``.  Sorting the spilled
    records' bytes sorts by account, then by asset: the order of ``positions.bin``."""
    records: list[bytes] = []
    for p in job.files:
        data = p.read_bytes()
        records += [data[i : i + SPILL_RECORD] for i in range(0, len(data), SPILL_RECORD)]
    records.sort()
    accounts = 0
    index = bytearray()
    positions = bytearray()
    previous = b""
    for i, record in enumerate(records):
        hashed_id = record[:32]
        if hashed_id != previous:
            if previous and job.records:
                index += previous + (job.base + i).to_bytes(8, "big")
            accounts += 1
            previous = hashed_id
        if job.records:
            positions += record[32:]
    if previous and job.records:
        index += previous + (job.base + len(records)).to_bytes(8, "big")
    return PrefixOutcome(accounts, bytes(index), bytes(positions))


def audit_snapshot_v2(
    public: Path,
    manifest: Manifest,
    *,
    assets: Sequence[str] | None = None,
    hasher: str | None = None,
    workers: int | None = None,
    chunk_rows: int | None = None,
    progress: Callable[[str], None] = lambda _: None,
    spill_dir: Path | None = None,
) -> AuditResult:
    """Audit a v2 snapshot from its public files; the caller parsed the manifest and checked
    its signature.  ``chunk_rows`` is accepted for the vectorised auditor's call: rows are
    read one at a time here."""
    if hasher not in (None, "hashlib"):
        raise InputError(f"--hasher: the standard-library auditor hashes with hashlib only, not {hasher!r}")
    progress("standard-library auditor: hashlib, one row at a time (slower than the vectorised one)")
    return run_audit_v2(
        public,
        manifest,
        audit_asset=audit_asset,
        count_prefix=count_prefix,
        assets=assets,
        hasher=hasher,
        workers=workers,
        chunk_rows=chunk_rows or 1,
        progress=progress,
        spill_dir=spill_dir,
    )
