"""``solvent keygen``: create the exchange's master key and manifest signing key."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from solvent.cli.app import app, guarded

__all__ = ["keygen_command"]


@app.command("keygen")
@guarded
def keygen_command(
    out: Annotated[Path, typer.Option("--out", help="Directory for master.key, signing.key and signing.pub.")],
) -> None:
    """Create KEYDIR/master.key (32 bytes hex) and an Ed25519 key pair (signing.key, signing.pub)."""
    from solvent.publish.keys import generate_keys

    files = generate_keys(out)
    sys.stdout.write(
        f"master key:   {files.master_key}   (secret: derives every customer's id; back it up offline)\n"
        f"signing key:  {files.signing_key}  (secret: signs each snapshot manifest)\n"
        f"public key:   {files.signing_pub}  (publish it where customers can find it independently)\n"
    )
