"""``solvent audit``: re-verify a whole published snapshot from its files (docs/spec.md §9 (Auditing a whole snapshot)).

Nothing the exchange computed is trusted: the tree is rebuilt from ``liabilities.csv``
and compared with the signed manifest and, byte for byte, with the published tree
files. Each numbered step raises its own error with evidence.

:func:`audit_snapshot` takes a manifest of either protocol version (as
:func:`solvent.protocol.versions.parse_any_manifest` returns it) and audits a v2 snapshot
with :mod:`solvent.pipeline.audit_v2`, one tree per asset (docs/spec.md §13.6 (The full
data and the tree files)); callers keep calling one function.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from solvent.columnar import u128
from solvent.columnar.liabilities_csv import check_strictly_ascending, read_liabilities_csv
from solvent.pipeline.audit_common import AuditResult, check_bound_files
from solvent.protocol.errors import FileDigestMismatch, InputError, OrderViolation, RootMismatch
from solvent.protocol.layout import LIABILITIES_FILE
from solvent.protocol.v2.manifest import Manifest as ManifestV2
from solvent.protocol.versions import AnyManifest
from solvent.tree.builder import build_tree
from solvent.tree.bulk_hash import get_hasher

__all__ = ["AuditResult", "audit_snapshot"]


def _check_order(ids: np.ndarray) -> None:
    """(4) strictly ascending 32-byte ids (so unique), none of them the padding id.

    There is at least one row: the reader checked the count against ``leaf_count >= 1``."""
    check_strictly_ascending(ids)
    if not ids[0].any():
        raise OrderViolation("liabilities.csv row 1 has the padding id (all zeros)", evidence={"row": 1})


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

    ``csv_path`` overrides where ``liabilities.csv`` is read from (default: in ``public``;
    v1 only).  For a v2 manifest: ``assets`` audits only those symbols (a partial audit,
    which the result says), ``workers`` processes share the asset trees, ``chunk_rows``
    bounds the rows held at once.
    """
    if isinstance(manifest, ManifestV2):
        if csv_path is not None:
            raise InputError("--csv: a v2 snapshot has one CSV per asset, read from liabilities/ in its folder")
        from solvent.pipeline.audit_v2 import CHUNK_ROWS, audit_snapshot_v2

        return audit_snapshot_v2(
            public,
            manifest,
            assets=assets,
            hasher=hasher,
            workers=workers,
            chunk_rows=chunk_rows or CHUNK_ROWS,
            progress=progress,
        )
    if assets is not None:
        raise InputError("--asset: a v1 snapshot has one tree over all its assets; it is audited whole")
    csv_file = csv_path or public / LIABILITIES_FILE
    tree_hasher = get_hasher(hasher)  # a bad --hasher is a usage error, found before any work
    # (2) bound files; liabilities.csv and the tree files are checked in steps (3) and (6).
    bound = check_bound_files(public, manifest, csv_file)
    present, bound_tree = bound.present, bound.bound_tree
    progress("bound files checked")
    # (3) parse every row strictly; the same pass over the bytes checks the file's digest
    # (2) and its row count against leaf_count (5).  The height was checked with the
    # manifest itself: it must be the smallest for leaf_count (5).
    try:
        ids, amounts = read_liabilities_csv(
            csv_file,
            manifest.assets,
            expected_rows=manifest.root.leaf_count,
            expected_sha256=manifest.files[LIABILITIES_FILE],
        )
    except FileDigestMismatch as e:  # name the file as the manifest does
        raise FileDigestMismatch(e.message, evidence={**e.evidence, "file": LIABILITIES_FILE}) from e
    progress(f"liabilities.csv parsed: {len(ids)} rows")
    # (4) order.
    _check_order(ids)
    # (6) rebuild the tree and compare: root, then every published tree file.
    tree = build_tree(
        len(ids),
        lambda s, e: (ids[s:e], amounts[s:e]),
        manifest.assets,
        tree_hasher,
        compare_dir=public if present else None,
    )
    progress("tree rebuilt")
    # A published tree file that differs names the first wrong record: for level 0 and
    # ids.bin that is a row of liabilities.csv, above it an inner node.
    for name in sorted(present):
        if name in tree.differences:
            index = tree.differences[name]
            where = f"row {index + 1}" if name.endswith(("ids.bin", "-00.bin")) else f"node {index}"
            raise FileDigestMismatch(
                f"the published {name} differs from the tree rebuilt from liabilities.csv (first difference: {where})",
                evidence={"file": name, "first_difference": where, "computed": tree.digests[name]},
            )
    for name in sorted(bound_tree):
        if not hmac.compare_digest(tree.digests[name], manifest.files[name]):
            raise FileDigestMismatch(
                f"the manifest binds a {name} other than the one rebuilt from liabilities.csv",
                evidence={"file": name, "expected": manifest.files[name], "computed": tree.digests[name]},
            )
    if not hmac.compare_digest(tree.root.hash, manifest.root.hash) or tree.root.sums != manifest.root.sums:
        raise RootMismatch(
            "the tree rebuilt from liabilities.csv does not have the manifest's root",
            evidence={
                "expected_hash": manifest.root.hash.hex(),
                "computed_hash": tree.root.hash.hex(),
                "expected_sums": ",".join(map(str, manifest.root.sums)),
                "computed_sums": ",".join(map(str, tree.root.sums)),
            },
        )
    # (7) totals: the column sums, independently of the tree.
    totals = tuple(u128.total(amounts))
    if totals != manifest.root.sums:
        raise RootMismatch("the column totals differ from the root sums", evidence={"totals": totals})
    checked = tuple(sorted(manifest.files))
    return AuditResult(manifest, totals, checked)
