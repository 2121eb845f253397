"""``solvent serve``: the customer's Proof-of-Reserves page and its JSON API on this machine."""

from __future__ import annotations

import argparse
from typing import Any

from solvent.cli.common import EXIT_OK
from solvent.cli.options import add_command, host, int_in, path
from solvent.cli.reserves import add_verifier_options, verifier_settings

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "serve",
        "Serve the Proof-of-Reserves page: snapshot summary, Find My Balance, in-browser proof check, tree, data.",
        "Snapshots of protocol v1 or v2 (one tree per asset), checked at start-up: the manifest signature and "
        "every file it binds (a liabilities CSV that differs from its digest is refused). Read-only; nothing under "
        "a snapshot's private/ folder is reachable. Prints the URL, then serves until Ctrl+C.",
        extra="web",
        handler=run,
    )
    parser.add_argument(
        "directories", nargs="+", type=path, metavar="DIR", help="Snapshot directories (or their public/ folders)."
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        type=host,
        metavar="ADDRESS",
        help="Address to listen on (0.0.0.0 for every interface; default: 127.0.0.1).",
    )
    parser.add_argument(
        "--port", type=int_in(0, 65535), default=8000, metavar="N", help="TCP port; 0 picks a free one (default: 8000)."
    )
    parser.add_argument(
        "--workers",
        type=int_in(1, 256),
        default=1,
        metavar="N",
        help="Worker processes sharing the socket (default: 1).",
    )
    parser.add_argument("--log", action="store_true", help="Log every request.")
    add_verifier_options(parser)


def run(args: argparse.Namespace) -> int:
    from solvent.web.server import serve

    settings = verifier_settings(args)
    serve(args.directories, args.host, args.port, workers=args.workers, log=args.log, settings=settings)
    return EXIT_OK
