"""``solvent audit``: the auditor's full re-verification of a published snapshot.

Two auditors with one interface: ``solvent.pipeline.audit`` (NumPy and the native
hashing extension: the ``operator`` extra) and ``solvent.pipeline.audit_stdlib``
(standard library only, slower).  The fast one is used when the operator extra is
installed, unless ``--stdlib`` asks for the other; the command says on stderr when
it hashes with the standard library, and how to get the fast one.

Both read protocol v1 and v2 snapshots (the manifest's version decides).  For v2 the
command prints every asset's verdict, the accounts check and the account index; with
``--asset`` it audits only some trees, says plainly what it did NOT check, and exits
3 (EXIT_PARTIAL) when those trees pass: exit 0 means everything checks out.  With
``--json``, ``valid`` is true only for a full audit that passed (a partial one has
``partial: true`` and ``valid: false``, and lists what was not checked).
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
    from solvent.protocol.signed_manifest import AnyManifestCheck

    AuditFunction = Callable[..., AuditResult]

STDLIB_AUDITOR = "solvent.pipeline.audit_stdlib"

__all__ = ["EXIT_PARTIAL", "STDLIB_NOTE", "add_parser", "run"]

EXIT_OK = 0
#: A partial audit (``--asset``) whose assets passed: not 0, which says everything checks out.
EXIT_PARTIAL = 3

STDLIB_NOTE = (
    "note: auditing with standard-library hashing (slower); for the fast auditor (NumPy and native hashing): "
    "pip install 'solvent[operator]'"
)


def add_parser(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "audit",
        "Rebuild every tree from the published CSVs and check it against the signed manifest.",
        "Runs on the standard library alone (slower); with the 'operator' extra installed it uses\n"
        "NumPy and native hashing.  Reads protocol v1 (one tree) and v2 (one tree per asset:\n"
        "every asset's CSV and tree, the accounts count, the account index).\n\n"
        "exit codes: 0 everything checks out; 1 something does not (with the evidence);\n"
        "2 a usage error or unreadable input; 3 a partial audit (--asset) whose assets passed.",
        handler=run,
    )
    parser.add_argument("public", nargs="?", type=path, metavar="DIR/public", help="The published snapshot folder.")
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
    parser.add_argument(
        "--asset",
        action="append",
        metavar="SYMBOL",
        help="v2: audit only this asset's tree (repeatable, or a comma list). A partial audit checks neither "
        "the other assets nor the accounts count, says so, and exits 3, never 0.",
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


def _asset_list(values: list[str] | None) -> list[str] | None:
    """``--asset BTC --asset ETH,USDT`` -> ``["BTC", "ETH", "USDT"]``; None when not given."""
    if not values:
        return None
    symbols = [s.strip() for value in values for s in value.split(",")]
    if not all(symbols):
        raise InputError("--asset: an empty symbol (write --asset BTC or --asset BTC,ETH)")
    return symbols


def run(args: argparse.Namespace) -> int:
    from solvent.protocol.layout import MANIFEST_FILE, public_dir
    from solvent.protocol.signed_manifest import load_signed_any_manifest

    public: Path | None = args.public
    snapshot: Path | None = args.snapshot
    if public is None and snapshot is None:
        raise InputError("give the published folder (DIR/public), or --snapshot with --csv")
    symbols = _asset_list(args.asset)
    audit_snapshot = _auditor(stdlib=args.stdlib or not extras.installed("operator"))
    folder = public_dir(public) if public is not None else (snapshot.parent if snapshot else Path())
    manifest_path = snapshot or folder / MANIFEST_FILE
    check = load_signed_any_manifest(manifest_path, public_key=args.public_key, require_signature=not args.no_signature)

    def progress(line: str) -> None:
        if not args.as_json:
            sys.stderr.write(f"  {line}\n")

    options: dict[str, Any] = {} if symbols is None else {"assets": symbols}
    result = audit_snapshot(folder, check.manifest, csv_path=args.csv, hasher=args.hasher, progress=progress, **options)
    if result.version == 2:
        return _report_v2(result, check, as_json=args.as_json)
    return _report_v1(result, check, as_json=args.as_json)


def _report_v1(result: AuditResult, check: AnyManifestCheck, *, as_json: bool) -> int:
    from solvent.protocol.amounts import format_units
    from solvent.protocol.manifest import Manifest

    m = result.manifest
    assert isinstance(m, Manifest)
    if as_json:
        payload = {
            "valid": True,
            "protocol": 1,
            "snapshot_id": m.snapshot_id,
            "signature_checked": check.signature_checked,
            "root": m.root.to_dict(),
            "totals": {a.symbol: format_units(t, a.decimals) for a, t in zip(m.assets, result.totals, strict=True)},
            "files_checked": list(result.files_checked),
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return EXIT_OK
    sys.stdout.write(
        f"AUDIT PASSED: {m.exchange}, snapshot {m.snapshot_id} taken at {m.taken_at}\n"
        "  protocol:    v1 (one tree over every asset)\n"
        f"  signature:   {check.note}\n"
        f"  merkle root: {m.root.hash.hex()}\n"
        f"  accounts:    {m.root.leaf_count} (ids strictly ascending, every balance non-negative)\n"
        f"  files:       {len(result.files_checked)} bound files match the manifest\n"
        "  total liabilities:\n"
    )
    for asset, total in zip(m.assets, result.totals, strict=True):
        sys.stdout.write(f"    {asset.symbol:<8} {format_units(total, asset.decimals):>32}\n")
    return EXIT_OK


def _report_v2(result: AuditResult, check: AnyManifestCheck, *, as_json: bool) -> int:
    """Every audited asset's verdict, the accounts check, and, for a partial audit, what was
    NOT checked: it exits EXIT_PARTIAL, never 0 (0 means everything checks out)."""
    from solvent.protocol.amounts import format_units
    from solvent.protocol.v2.manifest import Manifest

    m = result.manifest
    assert isinstance(m, Manifest)
    partial = result.partial
    code = EXIT_PARTIAL if partial else EXIT_OK
    not_checked = [
        *result.not_checked,
        "accounts (the distinct hashed ids over all trees)",
        "tree/accounts.bin and tree/positions.bin against the rebuilt index (only their digests)",
    ]
    if partial:
        verdict = (
            f"PARTIAL AUDIT: the {len(result.assets)} asset tree(s) audited passed; NOT checked: "
            f"{', '.join(result.not_checked)}, and the accounts count"
        )
    else:
        verdict = "AUDIT PASSED"
    if as_json:
        payload = {
            "valid": not partial,
            "partial": partial,
            "verdict": verdict,
            "protocol": 2,
            "snapshot_id": m.snapshot_id,
            "signature_checked": check.signature_checked,
            "accounts": {
                "manifest": m.accounts,
                "checked": result.accounts is not None,
                "counted": result.accounts,
            },
            "assets": [
                {
                    "symbol": v.symbol,
                    "verdict": "passed",
                    "leaf_count": v.leaf_count,
                    "height": v.height,
                    "total": format_units(v.total, v.decimals),
                    "root": m.trees[[t.symbol for t in m.trees].index(v.symbol)].root.to_dict(),
                    "tree_files_compared": list(v.tree_files_compared),
                }
                for v in result.assets
            ],
            "not_checked": not_checked if partial else [],
            "index_compared": list(result.index_compared),
            "files_checked": list(result.files_checked),
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return code
    out = sys.stdout.write
    head = "PARTIAL AUDIT" if partial else "AUDIT PASSED"
    out(f"{head}: {m.exchange}, snapshot {m.snapshot_id} taken at {m.taken_at}\n")
    if partial:
        out(f"  NOT CHECKED: {', '.join(result.not_checked)}, and the accounts count: this is not a full audit\n")
    out("  protocol:    v2 (one sum tree per asset)\n")
    out(f"  signature:   {check.note}\n")
    if result.accounts is not None:
        out(f"  accounts:    {result.accounts} distinct hashed ids over all trees, as the manifest says\n")
    else:
        out(f"  accounts:    NOT CHECKED (the manifest says {m.accounts}; counting them needs every asset)\n")
    if partial:
        out("  index:       NOT rebuilt (tree/accounts.bin, tree/positions.bin: digests only)\n")
    elif result.index_compared:
        out(f"  index:       {', '.join(result.index_compared)} rebuilt and compared byte for byte\n")
    else:
        out("  index:       not published\n")
    out(f"  files:       {len(result.files_checked)} bound files match the manifest\n")
    out("  assets (rebuilt from liabilities/<S>.csv: ids ascending, amounts positive, root equal):\n")
    for v in result.assets:
        files = f"{len(v.tree_files_compared)} tree files compared" if v.tree_files_compared else "no tree files"
        out(
            f"    {v.symbol:<8} passed  {v.leaf_count:>12} leaves  height {v.height:>2}  "
            f"{format_units(v.total, v.decimals):>32}  ({files})\n"
        )
    for symbol in result.not_checked:
        out(f"    {symbol:<8} NOT CHECKED\n")
    return code
