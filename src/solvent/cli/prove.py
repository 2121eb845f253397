"""``solvent prove``: print one customer's inclusion proof from a built snapshot.

The one command whose cold start matters (a server may run it per request): it
imports only the standard library and the snapshot look-up, about 0.1 s in all.
Either protocol version: :func:`solvent.pipeline.lookup.proof_bytes` reads the
snapshot's manifest and answers as the snapshot is.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from solvent.cli.options import add_command, output_file, path

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "prove",
        "Print one customer's inclusion proof: solvent-proof/2 (an entry per held asset) from a v2 snapshot, "
        "solvent-proof/1 from a v1 one.",
        handler=run,
    )
    parser.add_argument("snapshot_dir", type=path, metavar="DIR", help="The snapshot directory (or its public/).")
    parser.add_argument("hashed_id", metavar="HASHED_ID", help="The customer's hashed client id (64 hex digits).")
    parser.add_argument("--out", "-o", type=output_file, metavar="FILE", help="Write the proof here instead of stdout.")


def run(args: argparse.Namespace) -> int:
    from solvent.pipeline.lookup import proof_bytes
    from solvent.protocol.layout import write_output_file

    data = proof_bytes(args.snapshot_dir, args.hashed_id)
    if args.out is None:
        sys.stdout.buffer.write(data)
    else:
        write_output_file(args.out, data, snapshots=[args.snapshot_dir], option="--out")
    return 0
