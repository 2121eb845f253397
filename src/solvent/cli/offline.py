"""The offline kit's command line: ``python3 solvent_verify.py verify|audit ...``.

The page's offline kit (docs/web.md) ships one file, ``solvent_verify.py``, that runs with a
plain ``python3`` and no solvent installed: :mod:`solvent.web.kit` bundles this module and
every module it reaches (the protocol core, the standard-library auditor, and the ``verify``
and ``audit`` commands themselves) into it. So the kit's two commands are ``solvent verify``
and ``solvent audit``: the same options, the same output, the same exit codes, only

* ``verify`` checks solvent proofs (``solvent-proof/1`` and ``/2``); other exchanges' formats
  need the full ``solvent`` (``--format`` naming another is a usage error, exit 2);
* ``audit`` always audits with the standard library (the fast auditor needs NumPy).

Standard library only, like everything the kit bundles (a test builds the kit and runs it
in an isolated interpreter).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from solvent.cli import audit, verify
from solvent.cli.app import EXIT_INTERRUPTED, _Parser, run_command
from solvent.cli.common import EXIT_USAGE
from solvent.protocol.errors import InputError

__all__ = ["PROG", "main"]

#: How the kit's README and the page name the program.
PROG = "solvent_verify.py"

_EPILOG = """\
exit codes: 0 everything checks out; 1 the data does not check out (with the evidence);
2 a usage error, unreadable input or an unsupported version; 3 'audit --asset': the
audited trees passed, the others were not checked (never 0); 130 interrupted (Ctrl-C).
The same commands, options and exit codes as 'solvent verify' and 'solvent audit'."""


def _verify(args: argparse.Namespace) -> int:
    if args.format_name not in (None, "solvent"):
        raise InputError(
            f"--format {args.format_name}: this offline verifier checks solvent proofs only; "
            "other exchanges' formats need the full solvent (pip install solvent)"
        )
    if args.snapshot is None and (args.signature or args.public_key or args.no_signature):
        raise InputError("--signature, --public-key and --no-signature check a manifest: give it with --snapshot")
    if args.snapshot is not None and args.unanchored:
        raise InputError("--unanchored means no manifest: give --snapshot or --unanchored, not both")
    return verify._verify_solvent(args)


def _audit(args: argparse.Namespace) -> int:
    args.stdlib = True  # the fast auditor needs NumPy, which the kit does not assume
    return audit.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="The offline verifier of a solvent Proof-of-Reserves snapshot: your proof (verify) and "
        "the whole snapshot (audit), on the Python standard library alone.",
        epilog=_EPILOG,
        allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=None, usage_parser=parser)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    verify.add_parser(subparsers)
    audit.add_parser(subparsers)
    subparsers.choices["verify"].set_defaults(handler=_verify)
    subparsers.choices["audit"].set_defaults(handler=_audit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``solvent_verify.py ARGS...``; returns the exit code."""
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
        except SystemExit as e:  # --help (0), or a usage error (2, message printed)
            return e.code if isinstance(e.code, int) else EXIT_USAGE
        if args.handler is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return run_command(args)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return EXIT_INTERRUPTED
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
