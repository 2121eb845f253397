"""``solvent keygen``: create the exchange's master key and manifest signing key."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from solvent.cli.options import add_command, path

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "keygen",
        "Create KEYDIR/master.key (32 bytes hex) and an Ed25519 key pair (signing.key, signing.pub).",
        extra="operator",
        handler=run,
    )
    parser.add_argument(
        "--out", required=True, type=path, metavar="KEYDIR", help="Directory for master.key, signing.key and "
        "signing.pub (required; existing keys are never overwritten)."
    )


def run(args: argparse.Namespace) -> int:
    from solvent.publish.keys import generate_keys

    files = generate_keys(args.out)
    sys.stdout.write(
        f"master key:   {files.master_key}   (secret: derives every customer's id; back it up offline)\n"
        f"signing key:  {files.signing_key}  (secret: signs each snapshot manifest)\n"
        f"public key:   {files.signing_pub}  (publish it where customers can find it independently)\n"
    )
    return 0
