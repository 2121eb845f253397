"""``solvent audit``: the auditor's full re-verification of a published snapshot."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from solvent.cli.app import app, guarded
from solvent.protocol.amounts import format_units
from solvent.protocol.errors import InputError

__all__ = ["audit_command"]


@app.command("audit")
@guarded
def audit_command(
    public: Annotated[
        Path | None, typer.Argument(metavar="[DIR/public]", help="The published snapshot folder.")
    ] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="liabilities.csv, if not in the folder.")] = None,
    snapshot: Annotated[Path | None, typer.Option("--snapshot", help="snapshot.json, if not in the folder.")] = None,
    public_key: Annotated[
        str | None, typer.Option("--public-key", help="Pin the exchange's Ed25519 key: hex, or a file.")
    ] = None,
    no_signature: Annotated[
        bool, typer.Option("--no-signature", help="Do not require a manifest signature.")
    ] = False,
    hasher: Annotated[str | None, typer.Option("--hasher", help="Hash backend: native or hashlib.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Rebuild the whole tree from liabilities.csv and check it against the signed manifest."""
    from solvent.pipeline.audit import audit_snapshot
    from solvent.protocol.layout import MANIFEST_FILE, public_dir
    from solvent.protocol.signed_manifest import load_signed_manifest

    if public is None and snapshot is None:
        raise InputError("give the published folder (DIR/public), or --snapshot with --csv")
    folder = public_dir(public) if public is not None else (snapshot.parent if snapshot else Path())
    manifest_path = snapshot or folder / MANIFEST_FILE
    check = load_signed_manifest(manifest_path, public_key=public_key, require_signature=not no_signature)
    def progress(line: str) -> None:
        if not as_json:
            sys.stderr.write(f"  {line}\n")

    result = audit_snapshot(folder, check.manifest, csv_path=csv, hasher=hasher, progress=progress)
    m = result.manifest
    if as_json:
        payload = {
            "valid": True,
            "snapshot_id": m.snapshot_id,
            "signature_checked": check.signature_checked,
            "root": m.root.to_dict(),
            "totals": {a.symbol: format_units(t, a.decimals) for a, t in zip(m.assets, result.totals, strict=True)},
            "files_checked": list(result.files_checked),
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    signature = check.note
    sys.stdout.write(
        f"AUDIT PASSED: {m.exchange}, snapshot {m.snapshot_id} taken at {m.taken_at}\n"
        f"  signature:   {signature}\n"
        f"  merkle root: {m.root.hash.hex()}\n"
        f"  accounts:    {m.root.leaf_count} (ids strictly ascending, every balance non-negative)\n"
        f"  files:       {len(result.files_checked)} bound files match the manifest\n"
        "  total liabilities:\n"
    )
    for asset, total in zip(m.assets, result.totals, strict=True):
        sys.stdout.write(f"    {asset.symbol:<8} {format_units(total, asset.decimals):>32}\n")
