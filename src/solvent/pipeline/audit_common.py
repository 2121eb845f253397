"""What both auditors share (standard library only): the result, and step (2) of
docs/spec.md §9 (Auditing a whole snapshot).  What the two v2 auditors share is
:mod:`solvent.pipeline.audit_common_v2`.

``pipeline.audit`` (vectorised) and ``pipeline.audit_stdlib`` (standard library, one
row at a time) must reach the same verdict with the same error and evidence, so the
checks that do not depend on how the tree is computed are written once, here.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from solvent.protocol.errors import FileDigestMismatch
from solvent.protocol.layout import LIABILITIES_FILE
from solvent.protocol.manifest import Manifest
from solvent.protocol.versions import AnyManifest
from solvent.tree.store import tree_files

__all__ = ["AssetVerdict", "AuditResult", "BoundFiles", "check_bound_files"]


@dataclass(frozen=True)
class AssetVerdict:
    """One v2 asset tree that passed: rebuilt from its CSV, equal to the manifest's root."""

    symbol: str
    decimals: int
    leaf_count: int
    height: int
    total: int
    #: The published tree files of this asset compared byte for byte with the rebuilt tree.
    tree_files_compared: tuple[str, ...]


@dataclass(frozen=True)
class AuditResult:
    """What a passed audit checked.  v1: one tree, ``totals`` per asset.  v2: ``assets`` holds
    a verdict per audited asset and ``totals`` their totals, both in manifest order."""

    manifest: AnyManifest
    totals: tuple[int, ...]
    #: Every bound file whose digest was checked.
    files_checked: tuple[str, ...]
    version: int = 1
    assets: tuple[AssetVerdict, ...] = ()
    #: v2: the distinct hashed ids counted over all trees (equal to the manifest's
    #: ``accounts``), or None when the audit was partial and did not count them.
    accounts: int | None = None
    #: The published account index (``tree/accounts.bin``, ``tree/positions.bin``)
    #: compared byte for byte with the one rebuilt from the CSVs.
    index_compared: tuple[str, ...] = ()
    #: The symbols of the assets NOT audited (``--asset``): a partial audit is no pass.
    not_checked: tuple[str, ...] = ()

    @property
    def partial(self) -> bool:
        """True when some assets, and so the ``accounts`` count, were not checked."""
        return bool(self.not_checked)


@dataclass(frozen=True)
class BoundFiles:
    #: Every tree file of a tree of the manifest's height.
    tree_names: frozenset[str]
    #: The tree files the manifest binds.
    bound_tree: frozenset[str]
    #: The tree files present in the folder, bound or not (all are compared in step 6).
    present: frozenset[str]


def check_bound_files(public: Path, manifest: Manifest, csv_file: Path) -> BoundFiles:
    """(2) liabilities.csv must be bound, and every bound file must match its digest.

    liabilities.csv and the tree files are checked in the passes that read them anyway,
    steps (3) and (6); this checks their presence and every other bound file's digest.
    """
    if LIABILITIES_FILE not in manifest.files:
        raise FileDigestMismatch("the manifest does not bind liabilities.csv", evidence={"file": LIABILITIES_FILE})
    tree_names = frozenset(tree_files(manifest.root.height))
    bound_tree = frozenset(name for name in manifest.files if name.startswith("tree/"))
    stray = sorted(bound_tree - tree_names)
    if stray:
        raise FileDigestMismatch(
            f"the manifest binds {stray[0]}, which is not a file of a tree of height {manifest.root.height}",
            evidence={"file": stray[0]},
        )
    # Published tree files are compared byte for byte with the rebuilt tree in step (6),
    # bound or not: a server answers proofs from them.
    present = frozenset(name for name in tree_names if (public / name).is_file())
    missing = sorted(bound_tree - present)
    if missing:
        raise FileDigestMismatch(f"{missing[0]} is bound by the manifest but missing", evidence={"file": missing[0]})
    for name, digest in sorted(manifest.files.items()):
        if name in tree_names or name == LIABILITIES_FILE:
            continue
        path = public / name
        if not path.is_file():
            raise FileDigestMismatch(f"{name} is bound by the manifest but missing", evidence={"file": name})
        with path.open("rb") as f:
            actual = hashlib.file_digest(f, "sha256").hexdigest()
        if not hmac.compare_digest(actual, digest):
            raise FileDigestMismatch(
                f"{name} differs from the manifest", evidence={"file": name, "expected": digest, "computed": actual}
            )
    if not csv_file.is_file():
        raise FileDigestMismatch(
            f"{LIABILITIES_FILE} is bound by the manifest but missing", evidence={"file": LIABILITIES_FILE}
        )
    return BoundFiles(tree_names, bound_tree, present)
