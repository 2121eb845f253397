"""``solvent prove``: print one customer's inclusion proof from a built snapshot.

``solvent prove ...`` normally runs through :mod:`solvent.cli.fastpath` (no Typer);
this command definition serves ``--help`` and library callers of the Typer app.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from solvent.cli.app import app, guarded
from solvent.pipeline.lookup import proof_bytes

__all__ = ["prove_command"]


@app.command("prove")
@guarded
def prove_command(
    snapshot_dir: Annotated[Path, typer.Argument(metavar="DIR", help="The snapshot directory (or its public/).")],
    hashed_id: Annotated[str, typer.Argument(help="The customer's hashed client id (64 hex digits).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the proof here instead of stdout.")] = None,
) -> None:
    """Print the solvent-proof/1 JSON of one customer's leaf (siblings up to the root)."""
    data = proof_bytes(snapshot_dir, hashed_id)
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)
