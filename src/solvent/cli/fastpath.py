"""``solvent prove`` without Typer: a cold start well under 0.2 s.

Typer builds every command's parameters through pydantic, about 0.1 s of imports
before any work.  Looking up one proof is the one command whose speed matters on
a cold start (a server may spawn it per request), so ``solvent prove`` is parsed
here with argparse; the Typer command of the same name (for ``--help`` and
``solvent --help``) calls the same :func:`proof_bytes`.  A test checks that both
give the same bytes and the same exit codes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from solvent.cli.common import EXIT_USAGE, exit_code_for, io_error, report_error
from solvent.pipeline.lookup import proof_bytes
from solvent.protocol.errors import SolventError

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """``solvent prove DIR HASHED_ID [--out FILE]``; returns the exit code."""
    parser = argparse.ArgumentParser(prog="solvent prove", add_help=False)
    parser.add_argument("snapshot_dir", type=Path)
    parser.add_argument("hashed_id")
    parser.add_argument("--out", "-o", type=Path)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse reports usage errors itself, with exit 2
        return int(e.code or 0)
    try:
        data = proof_bytes(args.snapshot_dir, args.hashed_id)
        if args.out is None:
            sys.stdout.buffer.write(data)
        else:
            args.out.write_bytes(data)
    except SolventError as e:
        report_error(e)
        return exit_code_for(e)
    except (OSError, MemoryError) as e:
        report_error(io_error(e))
        return EXIT_USAGE
    return 0
