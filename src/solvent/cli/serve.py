"""``solvent serve``: the customer's Proof-of-Reserves page and its JSON API on this machine."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from solvent.cli.common import EXIT_OK
from solvent.cli.options import add_command, host, int_in, path
from solvent.cli.reserves import add_verifier_options, verifier_settings
from solvent.web.limits import DEFAULT_LIMITS

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "serve",
        "Serve the Proof-of-Reserves page: snapshot summary, Find My Balance, in-browser proof check, tree, data.",
        "Snapshots of protocol v1 or v2 (one tree per asset), checked at start-up: the manifest signature and "
        "every file it binds (a liabilities CSV that differs from its digest is refused). Read-only; nothing under "
        "a snapshot's private/ folder is reachable; a bound file that changes after start-up is never served. "
        "Slow clients are disconnected, and one address holds at most --max-per-client connections "
        "(docs/web.md). Prints the URL, then serves until Ctrl+C.",
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
    parser.add_argument(
        "--max-per-client",
        type=int_in(0, 100_000),
        default=DEFAULT_LIMITS.per_client,
        metavar="N",
        help="Open connections one client address (an IPv6 /64) may hold, per worker; beyond it, 503. "
        f"0: no cap (behind a reverse proxy, which should count clients itself). Default: {DEFAULT_LIMITS.per_client}.",
    )
    parser.add_argument(
        "--header-timeout",
        type=int_in(1, 3600),
        default=int(DEFAULT_LIMITS.header_timeout),
        metavar="SECONDS",
        help="Seconds a client has to send a whole request head; then it is disconnected "
        f"(default: {int(DEFAULT_LIMITS.header_timeout)}).",
    )
    add_verifier_options(parser)


def run(args: argparse.Namespace) -> int:
    from solvent.web.server import serve

    settings = verifier_settings(args)
    limits = replace(DEFAULT_LIMITS, per_client=args.max_per_client, header_timeout=float(args.header_timeout))
    serve(args.directories, args.host, args.port, workers=args.workers, log=args.log, settings=settings, limits=limits)
    return EXIT_OK
