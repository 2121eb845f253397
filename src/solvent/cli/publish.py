"""``solvent publish --static``: the Proof-of-Reserves page as plain files for any static host or CDN."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from solvent.cli.app import app, guarded
from solvent.cli.reserves import MaxBlockAgeOption, NodeOption, TokenOption, verifier_settings
from solvent.protocol.errors import InputError

__all__ = ["publish_command"]


@app.command("publish")
@guarded
def publish_command(
    directories: Annotated[
        list[Path], typer.Argument(metavar="DIR...", help="Snapshot directories (or their public/ folders).")
    ],
    static: Annotated[Path | None, typer.Option("--static", help="Write the static site into this new folder.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --static folder once done.")] = False,
    node: NodeOption = None,
    token: TokenOption = None,
    max_block_age: MaxBlockAgeOption = "24h",
) -> None:
    """Write the page of `solvent serve` as static files: no server, no private file, proofs checked in the browser."""
    from solvent.web.static_site import publish_static

    if static is None:
        raise InputError("give the output folder with --static OUT/")

    settings = verifier_settings(node, token, max_block_age)
    result = publish_static(directories, static, replace=force, settings=settings)
    sys.stdout.write(
        f"static site written to {result.out}\n"
        f"  snapshots: {', '.join(result.snapshots)}\n"
        f"  files:     {result.files} ({result.bytes / 1e6:.1f} MB)\n"
        f"  open {result.out / 'index.html'} through any static web server\n"
    )
