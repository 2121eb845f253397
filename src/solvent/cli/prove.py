"""``solvent prove``: print one customer's inclusion proof from a built snapshot."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from solvent.cli.app import app, guarded, read_input_file
from solvent.errors import InputError, NotFound
from solvent.spec.manifest import parse_manifest

__all__ = ["parse_hashed_id", "prove_command", "public_dir"]


def public_dir(path: Path) -> Path:
    """Accept a snapshot directory or its ``public/`` part."""
    if (path / "public" / "snapshot.json").is_file():
        return path / "public"
    if (path / "snapshot.json").is_file():
        return path
    raise InputError(f"{path}: not a snapshot directory (no snapshot.json in it or in its public/)")


def parse_hashed_id(text: str) -> bytes:
    """A Hashed Client ID as a customer pastes it: 64 hex digits (case and spaces forgiven)."""
    cleaned = text.strip().lower()
    if len(cleaned) != 64 or any(c not in "0123456789abcdef" for c in cleaned):
        raise InputError(f"{text[:80]!r} is not a hashed client id (64 hex digits)")
    return bytes.fromhex(cleaned)


@app.command("prove")
@guarded
def prove_command(
    snapshot_dir: Annotated[Path, typer.Argument(metavar="DIR", help="The snapshot directory (or its public/).")],
    hashed_id: Annotated[str, typer.Argument(help="The customer's hashed client id (64 hex digits).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the proof here instead of stdout.")] = None,
) -> None:
    """Print the solvent-proof/1 JSON of one customer's leaf (siblings up to the root)."""
    from solvent.tree.store import TreeReader

    target = parse_hashed_id(hashed_id)
    pub = public_dir(snapshot_dir)
    manifest = parse_manifest(read_input_file(pub / "snapshot.json", "snapshot manifest"), str(pub / "snapshot.json"))
    with TreeReader(pub, manifest) as reader:
        index = reader.find(target)
        if index is None:
            raise NotFound(
                f"hashed id {target.hex()} is not in snapshot {manifest.snapshot_id}",
                evidence={"hashed_id": target.hex(), "snapshot_id": manifest.snapshot_id},
            )
        data = reader.proof(index).to_json()
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)
