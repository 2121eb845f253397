"""``solvent audit``: the auditor's full re-verification of a published snapshot.

Two auditors with one interface: ``solvent.pipeline.audit`` (NumPy and the native
hashing extension: the ``operator`` extra) and ``solvent.pipeline.audit_stdlib``
(standard library only, slower).  The fast one is used when the operator extra is
installed, unless ``--stdlib`` asks for the other; the command says on stderr when
it hashes with the standard library, and how to get the fast one.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from solvent.cli import extras
from solvent.cli.options import add_command, hash_backend, path
from solvent.protocol.errors import InputError

if TYPE_CHECKING:
    from solvent.pipeline.audit import AuditResult

    AuditFunction = Callable[..., AuditResult]

STDLIB_AUDITOR = "solvent.pipeline.audit_stdlib"

__all__ = ["STDLIB_NOTE", "add_parser", "run"]

STDLIB_NOTE = (
    "note: auditing with standard-library hashing (slower); for the fast auditor (NumPy and native hashing): "
    "pip install 'solvent[operator]'"
)


def add_parser(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "audit",
        "Rebuild the whole tree from liabilities.csv and check it against the signed manifest.",
        "Runs on the standard library alone (slower); with the 'operator' extra installed it uses\n"
        "NumPy and native hashing.",
        handler=run,
    )
    parser.add_argument(
        "public", nargs="?", type=path, metavar="DIR/public", help="The published snapshot folder."
    )
    parser.add_argument("--csv", type=path, metavar="FILE", help="liabilities.csv, if not in the folder.")
    parser.add_argument("--snapshot", type=path, metavar="FILE", help="snapshot.json, if not in the folder.")
    parser.add_argument("--public-key", metavar="KEY", help="Pin the exchange's Ed25519 key: hex, or a file.")
    parser.add_argument("--no-signature", action="store_true", help="Do not require a manifest signature.")
    parser.add_argument(
        "--hasher", type=hash_backend, metavar="NAME", help="Hash backend: native or hashlib (default: the fastest)."
    )
    parser.add_argument(
        "--stdlib",
        action="store_true",
        help="Use the standard-library auditor even when the fast one is installed (to compare the two).",
    )
    parser.add_argument("--json", dest="as_json", action="store_true", help="Print the result as JSON.")


def _auditor(*, stdlib: bool) -> AuditFunction:
    """The fast auditor, or the standard-library one (same signature and result); says which."""
    if not stdlib:
        from solvent.pipeline.audit import audit_snapshot

        return audit_snapshot
    try:
        module = importlib.import_module(STDLIB_AUDITOR)
    except ModuleNotFoundError as e:
        if e.name != STDLIB_AUDITOR:
            raise
        raise InputError(
            "this installation has no standard-library auditor; install the fast one: pip install 'solvent[operator]'"
        ) from e
    sys.stderr.write(STDLIB_NOTE + "\n")
    return cast("AuditFunction", module.audit_snapshot)


def run(args: argparse.Namespace) -> int:
    from solvent.protocol.amounts import format_units
    from solvent.protocol.layout import MANIFEST_FILE, public_dir
    from solvent.protocol.signed_manifest import load_signed_manifest

    public: Path | None = args.public
    snapshot: Path | None = args.snapshot
    if public is None and snapshot is None:
        raise InputError("give the published folder (DIR/public), or --snapshot with --csv")
    audit_snapshot = _auditor(stdlib=args.stdlib or not extras.installed("operator"))
    folder = public_dir(public) if public is not None else (snapshot.parent if snapshot else Path())
    manifest_path = snapshot or folder / MANIFEST_FILE
    check = load_signed_manifest(manifest_path, public_key=args.public_key, require_signature=not args.no_signature)

    def progress(line: str) -> None:
        if not args.as_json:
            sys.stderr.write(f"  {line}\n")

    result = audit_snapshot(folder, check.manifest, csv_path=args.csv, hasher=args.hasher, progress=progress)
    m = result.manifest
    if args.as_json:
        payload = {
            "valid": True,
            "snapshot_id": m.snapshot_id,
            "signature_checked": check.signature_checked,
            "root": m.root.to_dict(),
            "totals": {a.symbol: format_units(t, a.decimals) for a, t in zip(m.assets, result.totals, strict=True)},
            "files_checked": list(result.files_checked),
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return 0
    sys.stdout.write(
        f"AUDIT PASSED: {m.exchange}, snapshot {m.snapshot_id} taken at {m.taken_at}\n"
        f"  signature:   {check.note}\n"
        f"  merkle root: {m.root.hash.hex()}\n"
        f"  accounts:    {m.root.leaf_count} (ids strictly ascending, every balance non-negative)\n"
        f"  files:       {len(result.files_checked)} bound files match the manifest\n"
        "  total liabilities:\n"
    )
    for asset, total in zip(m.assets, result.totals, strict=True):
        sys.stdout.write(f"    {asset.symbol:<8} {format_units(total, asset.decimals):>32}\n")
    return 0
