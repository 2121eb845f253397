"""``solvent audit`` with the standard library alone (docs/spec.md §9 (Auditing a whole snapshot)).

The same function, checks, order, errors and evidence as :mod:`solvent.pipeline.audit`,
so a verdict never depends on which auditor ran; it imports nothing outside the
standard library, so ``pip install solvent`` without extras can audit.  It is slower
(one row at a time through :mod:`hashlib`, where the other hashes whole arrays) and
its memory does not grow with the number of accounts:

* ``liabilities.csv`` is read twice, line by line (:mod:`solvent.protocol.liabilities_text`);
* the tree is built with a *frontier*: one pending left child per level, O(height)
  nodes held;
* every record is compared with the published tree file as it is produced, each file
  read sequentially, and hashed for its digest.

All the checks of the one pass over the rows are collected and raised at its end in
the vectorised auditor's order: a bad value (3) before an order violation (4) before
a sum overflow (6), then the tree files, the root and the totals.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

from solvent.pipeline.audit_common import AuditResult, check_bound_files
from solvent.protocol.amounts import AMOUNT_LIMIT
from solvent.protocol.errors import (
    FileDigestMismatch,
    FormatError,
    InputError,
    OrderViolation,
    RootMismatch,
    SumOverflow,
)
from solvent.protocol.hashing import LEAF_PREFIX, NODE_PREFIX, PAD_ID, node_record, pad_node
from solvent.protocol.layout import LIABILITIES_FILE
from solvent.protocol.liabilities_text import RowReader, header_line, scan_bytes
from solvent.protocol.manifest import Manifest
from solvent.protocol.v2.manifest import Manifest as ManifestV2
from solvent.protocol.versions import AnyManifest
from solvent.tree.store import IDS_FILE, level_file, record_size

__all__ = ["AuditResult", "audit_snapshot"]

#: The vectorised builder hashes subtrees of 2^18 leaves one after the other, then the
#: levels above them; of several sums that overflow, it names the first it meets, and
#: so must this auditor (a test holds the two constants equal).
FAST_CHUNK_LOG2 = 18
_MASK = AMOUNT_LIMIT - 1


class _TreeFile:
    """One tree file as it is computed: hashed, and compared record by record with the
    published one (if any), read sequentially."""

    def __init__(self, published: BinaryIO | None) -> None:
        self.published = published
        self.digest = hashlib.sha256()
        self.count = 0
        self.first_difference: int | None = None

    def add(self, record: bytes) -> None:
        self.digest.update(record)
        if self.published is not None and self.first_difference is None and self.published.read(len(record)) != record:
            self.first_difference = self.count
        self.count += 1

    def finish(self) -> None:
        """A published file longer than the computed one differs at its first extra record."""
        if self.published is not None and self.first_difference is None and self.published.read(1):
            self.first_difference = self.count


Pending = tuple[bytes, tuple[int, ...]]  # a node's record and its exact sums


class _Frontier:
    """The tree of spec §4 (The liabilities tree) built leaf by leaf, holding one pending left child per level."""

    def __init__(self, manifest: Manifest, files: dict[str, _TreeFile]) -> None:
        self.assets = manifest.assets
        self.height = manifest.root.height
        self.files = files
        self.levels = [files[level_file(k)] for k in range(self.height + 1)]
        self.pending: list[Pending | None] = [None] * (self.height + 1)
        self.chunk_log2 = min(FAST_CHUNK_LOG2, self.height)
        self.overflow: tuple[tuple[int, int, int, int], SumOverflow] | None = None

    def leaf(self, hashed_id: bytes, amounts: tuple[int, ...]) -> None:
        self.files[IDS_FILE].add(hashed_id)
        sums = b"".join([a.to_bytes(16, "big") for a in amounts])
        self._arrive(0, hashlib.sha256(LEAF_PREFIX + hashed_id + sums).digest() + sums, amounts)

    def _arrive(self, level: int, record: bytes, sums: tuple[int, ...]) -> None:
        """A new node of ``level``, the next in its file: a left child waits, a right one climbs."""
        while True:
            self.levels[level].add(record)
            left = self.pending[level]
            if left is None:
                self.pending[level] = (record, sums)
                return
            self.pending[level] = None
            record, sums = self._parent(level + 1, left, (record, sums))
            level += 1

    def _parent(self, level: int, left: Pending, right: Pending) -> Pending:
        sums = tuple([a + b for a, b in zip(left[1], right[1], strict=True)])
        if max(sums) >= AMOUNT_LIMIT:
            self._note_overflow(level, sums)
        encoded = b"".join([(s & _MASK).to_bytes(16, "big") for s in sums])
        return hashlib.sha256(NODE_PREFIX + left[0] + right[0]).digest() + encoded, sums

    def _note_overflow(self, level: int, sums: tuple[int, ...]) -> None:
        """Keep the overflow the vectorised builder meets first: chunk by chunk, then level
        by level, then left to right, the first asset of the node."""
        index = self.levels[level].count
        col = next(i for i, s in enumerate(sums) if s >= AMOUNT_LIMIT)
        c = self.chunk_log2
        key = (index >> (c - level) if level <= c else 1 << 64, level, index, col)
        if self.overflow is None or key < self.overflow[0]:
            symbol = self.assets[col].symbol
            error = SumOverflow(
                f"the {symbol} sum overflows 2^128 at level {level}",
                evidence={"level": level, "index": index, "asset": symbol},
            )
            self.overflow = (key, error)

    def root(self) -> Pending:
        """Pad the right edge of every level (spec §4 (The liabilities tree)) and return the root."""
        n = len(self.assets)
        for level in range(self.height):
            left = self.pending[level]
            if left is not None:
                self.pending[level] = None
                pad = pad_node(level, n)
                record, sums = self._parent(level + 1, left, (node_record(pad), pad.sums))
                self._arrive(level + 1, record, sums)
        top = self.pending[self.height]
        assert top is not None
        return top


class _Order:
    """(4) strictly ascending ids (so unique), none of them the padding id: the first pair
    out of order is named, and all of them counted, as the vectorised check does."""

    def __init__(self) -> None:
        self.previous = b""
        self.first_id = b""
        self.violation: OrderViolation | None = None
        self.violations = 0

    def add(self, row: int, hashed_id: bytes) -> None:
        if row == 1:
            self.first_id = hashed_id
        elif hashed_id <= self.previous:
            self.violations += 1
            if self.violation is None:
                kind = "duplicate" if hashed_id == self.previous else "out of order"
                self.violation = OrderViolation(
                    f"liabilities.csv: hashed ids are not strictly ascending: row {row} ({kind}) does not come "
                    f"after row {row - 1}",
                    evidence={
                        "file": LIABILITIES_FILE,
                        "row": row,
                        "previous": self.previous.hex(),
                        "hashed_id": hashed_id.hex(),
                    },
                )
        self.previous = hashed_id

    def check(self) -> None:
        if self.violation is not None:
            raise OrderViolation(
                self.violation.message, evidence={**self.violation.evidence, "violations": self.violations}
            )
        if self.first_id == PAD_ID:
            raise OrderViolation("liabilities.csv row 1 has the padding id (all zeros)", evidence={"row": 1})


def _check_hasher(hasher: str | None) -> None:
    if hasher not in (None, "hashlib"):
        raise InputError(f"--hasher: the standard-library auditor hashes with hashlib only, not {hasher!r}")


def audit_snapshot(
    public: Path,
    manifest: AnyManifest,
    *,
    csv_path: Path | None = None,
    hasher: str | None = None,
    progress: Callable[[str], None] = lambda _: None,
    assets: Sequence[str] | None = None,
    workers: int | None = None,
    chunk_rows: int | None = None,
) -> AuditResult:
    """Steps (2)-(7); the caller did step (1): parsed the manifest and checked its signature.

    ``csv_path`` overrides where ``liabilities.csv`` is read from (default: in ``public``).
    ``hasher`` is accepted for the same call as the vectorised auditor's: None or
    ``"hashlib"``, the only backend here (``SOLVENT_HASHER`` is not consulted).  A v2
    manifest is audited by :mod:`solvent.pipeline.audit_stdlib_v2` (``assets``,
    ``workers`` and ``chunk_rows`` as for the vectorised auditor).
    """
    if isinstance(manifest, ManifestV2):
        if csv_path is not None:
            raise InputError("--csv: a v2 snapshot has one CSV per asset, read from liabilities/ in its folder")
        from solvent.pipeline.audit_stdlib_v2 import audit_snapshot_v2

        return audit_snapshot_v2(
            public, manifest, assets=assets, hasher=hasher, workers=workers, chunk_rows=chunk_rows, progress=progress
        )
    if assets is not None:
        raise InputError("--asset: a v1 snapshot has one tree over all its assets; it is audited whole")
    csv_file = csv_path or public / LIABILITIES_FILE
    _check_hasher(hasher)  # a usage error, found before any work
    progress("standard-library auditor: hashlib, one row at a time (slower than the vectorised one)")
    # (2) bound files; liabilities.csv and the tree files are checked in steps (3) and (6).
    bound = check_bound_files(public, manifest, csv_file)
    progress("bound files checked")
    # (3) the bytes of liabilities.csv: digest (2), header, line endings; its row count (5).
    leaf_count = manifest.root.leaf_count
    try:
        rows = scan_bytes(csv_file, header_line(manifest.assets), manifest.files[LIABILITIES_FILE])
    except FileDigestMismatch as e:  # name the file as the manifest does
        raise FileDigestMismatch(e.message, evidence={**e.evidence, "file": LIABILITIES_FILE}) from e
    where = str(csv_file)
    if rows != leaf_count:
        raise FormatError(
            f"{where}: {rows} rows, the manifest says {leaf_count} accounts",
            code="leaf-count",
            evidence={"file": where, "rows": rows, "leaf_count": leaf_count},
        )
    record = record_size(len(manifest.assets))
    with ExitStack() as stack:
        files = {
            name: _TreeFile(stack.enter_context((public / name).open("rb")) if name in bound.present else None)
            for name in bound.tree_names
        }
        frontier = _Frontier(manifest, files)
        reader = RowReader(csv_file, manifest.assets)
        order = _Order()
        totals = [0] * len(manifest.assets)
        read = 0
        # One pass: (3) every value, (4) the order, (6) the tree, (7) the column totals.
        for row, hashed_id, amounts in reader.rows():
            read = row
            order.add(row, hashed_id)
            for j, a in enumerate(amounts):
                totals[j] += a
            frontier.leaf(hashed_id, amounts)
        reader.check()
        if read != leaf_count:  # the file changed under us since the first pass
            raise FormatError(
                f"{where}: {read} rows parsed but the file has {leaf_count} lines after the header",
                evidence={"file": where},
            )
        progress(f"liabilities.csv parsed: {read} rows")
        order.check()
        # (6) the rebuilt tree: sums, every published tree file, the bound digests, the root.
        root_record, root_sums = frontier.root()
        for tree_file in files.values():
            tree_file.finish()
    if frontier.overflow is not None:
        raise frontier.overflow[1]
    progress("tree rebuilt")
    digests = {name: f.digest.hexdigest() for name, f in files.items()}
    for name in sorted(bound.present):
        index = files[name].first_difference
        if index is not None:
            at = f"row {index + 1}" if name.endswith(("ids.bin", "-00.bin")) else f"node {index}"
            raise FileDigestMismatch(
                f"the published {name} differs from the tree rebuilt from liabilities.csv (first difference: {at})",
                evidence={"file": name, "first_difference": at, "computed": digests[name]},
            )
    for name in sorted(bound.bound_tree):
        if not hmac.compare_digest(digests[name], manifest.files[name]):
            raise FileDigestMismatch(
                f"the manifest binds a {name} other than the one rebuilt from liabilities.csv",
                evidence={"file": name, "expected": manifest.files[name], "computed": digests[name]},
            )
    assert len(root_record) == record
    root_hash = root_record[:32]
    if not hmac.compare_digest(root_hash, manifest.root.hash) or root_sums != manifest.root.sums:
        raise RootMismatch(
            "the tree rebuilt from liabilities.csv does not have the manifest's root",
            evidence={
                "expected_hash": manifest.root.hash.hex(),
                "computed_hash": root_hash.hex(),
                "expected_sums": ",".join(map(str, manifest.root.sums)),
                "computed_sums": ",".join(map(str, root_sums)),
            },
        )
    # (7) totals: the column sums, independently of the tree.
    if tuple(totals) != manifest.root.sums:
        raise RootMismatch("the column totals differ from the root sums", evidence={"totals": tuple(totals)})
    return AuditResult(manifest, tuple(totals), tuple(sorted(manifest.files)))
