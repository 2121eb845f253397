"""``solvent keygen``: create the exchange's master key and manifest signing key, or convert
an untyped key file from an older solvent into a typed one (``--upgrade FILE --kind KIND``)."""

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
        "Create KEYDIR/master.key, an Ed25519 key pair (signing.key, signing.pub), or convert an old key file.",
        "master.key and signing.key are secret (mode 0600) and name their kind on their first line\n"
        "(solvent master key v1, solvent signing key v1); neither is accepted anywhere else.\n"
        "A key file from an older solvent (64 bare hex digits) is converted once with\n"
        "solvent keygen --upgrade FILE --kind master|signing.",
        extra="operator",
        handler=run,
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--out", type=path, metavar="KEYDIR", help="Directory for master.key, signing.key and "
        "signing.pub (existing keys are never overwritten)."
    )
    what.add_argument(
        "--upgrade", type=path, metavar="FILE",
        help="Rewrite an untyped key file (64 bare hex digits) as a typed one holding the same key; needs --kind.",
    )
    parser.add_argument(
        "--kind", choices=("master", "signing"), help="With --upgrade: which key FILE holds (master or signing)."
    )


def run(args: argparse.Namespace) -> int:
    from solvent.protocol.errors import InputError
    from solvent.publish.keys import generate_keys, upgrade_key_file

    if args.upgrade is not None:
        if args.kind is None:
            raise InputError("--upgrade needs --kind master or --kind signing: which key the file holds")
        if upgrade_key_file(args.upgrade, args.kind):
            sys.stdout.write(f"{args.upgrade}: now a typed {args.kind} key file (the same key, mode 0600)\n")
        else:
            sys.stdout.write(f"{args.upgrade}: already a typed {args.kind} key file; nothing to do\n")
        return 0
    if args.kind is not None:
        raise InputError("--kind goes with --upgrade")
    files = generate_keys(args.out)
    sys.stdout.write(
        f"master key:   {files.master_key}   (secret: derives every customer's id; back it up offline)\n"
        f"signing key:  {files.signing_key}  (secret: signs each snapshot manifest)\n"
        f"public key:   {files.signing_pub}  (publish it where customers can find it independently)\n"
    )
    return 0
