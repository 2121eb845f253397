"""``solvent serve``: the customer's Proof-of-Reserves page and its JSON API on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from solvent.cli.app import app, guarded
from solvent.cli.reserves import MaxBlockAgeOption, NodeOption, TokenOption, verifier_settings

__all__ = ["serve_command"]


@app.command("serve")
@guarded
def serve_command(
    directories: Annotated[
        list[Path], typer.Argument(metavar="DIR...", help="Snapshot directories (or their public/ folders).")
    ],
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0 for every interface).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", help="TCP port; 0 picks a free one.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes sharing the socket.")] = 1,
    log: Annotated[bool, typer.Option("--log", help="Log every request.")] = False,
    node: NodeOption = None,
    token: TokenOption = None,
    max_block_age: MaxBlockAgeOption = "24h",
) -> None:
    """Serve the Proof-of-Reserves page: snapshot summary, Find My Balance, in-browser proof check, tree, data.

    Read-only; nothing under a snapshot's private/ folder is reachable. Prints the URL, then serves until Ctrl+C.
    """
    from solvent.web.server import serve

    settings = verifier_settings(node, token, max_block_age)
    serve(directories, host, port, workers=workers, log=log, settings=settings)
