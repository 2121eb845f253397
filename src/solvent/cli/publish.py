"""``solvent publish --static``: the Proof-of-Reserves page as plain files for any static host or CDN."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from solvent.cli.common import EXIT_OK, terminate_as_interrupt
from solvent.cli.options import add_command, path
from solvent.cli.reserves import add_verifier_options, verifier_settings
from solvent.protocol.errors import InputError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "publish",
        "Write the page of `solvent serve` as static files: no server, no private file, proofs checked in the "
        "browser.",
        "Snapshots of protocol v1 or v2, checked as `solvent serve` checks them; every proof is written once, "
        "packed into files of at most 64 KiB.",
        extra="web",
        handler=run,
    )
    parser.add_argument(
        "directories", nargs="+", type=path, metavar="DIR", help="Snapshot directories (or their public/ folders)."
    )
    parser.add_argument("--static", type=path, metavar="OUT", help="Write the static site into this new folder.")
    parser.add_argument(
        "--force",
        action="store_true",
        help="Replace an existing --static folder once done; only a site solvent wrote, holding none of the snapshots.",
    )
    add_verifier_options(parser)


def run(args: argparse.Namespace) -> int:
    from solvent.web.static_site import publish_static

    if args.static is None:
        raise InputError("give the output folder with --static OUT/")
    settings = verifier_settings(args)
    with terminate_as_interrupt():
        result = publish_static(args.directories, args.static, replace=args.force, settings=settings)
    for line in result.swept:
        sys.stderr.write(f"{line}\n")
    sys.stdout.write(
        f"static site written to {result.out}\n"
        f"  snapshots: {', '.join(result.snapshots)}\n"
        f"  files:     {result.files} ({result.bytes / 1e6:.1f} MB)\n"
        f"  open {result.out / 'index.html'} through any static web server\n"
    )
    return EXIT_OK
