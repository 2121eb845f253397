"""The ``solvent`` parser, and the one place errors become exit codes.

Each command module has ``add_parser(subparsers)``, which declares its options and
sets ``handler`` (its ``run(args) -> int``) and ``extra`` (the pip extra it needs,
or None), and ``run``.  Command modules import only the standard library at the
top; what a command needs is imported when it runs, after :func:`run_command` has
checked that its extra is installed.  So ``solvent --help``, ``verify``, ``prove``
and ``audit`` load no third-party package, and ``solvent prove`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from solvent.cli.common import EXIT_USAGE, Terminated, exit_code_for, io_error, report_error
from solvent.cli.extras import extra_providing, missing_extra_error, require
from solvent.protocol.errors import SolventError
from solvent.protocol.text import printable
from solvent.tree.environment import hasher_name, thread_count

__all__ = ["COMMAND_MODULES", "EXIT_INTERRUPTED", "build_parser", "main", "run_command"]

#: Each command and the module (solvent.cli.<module>) that declares and runs it, in help order.
COMMAND_MODULES = {
    "keygen": "keys",
    "build": "build",
    "prove": "prove",
    "verify": "verify",
    "audit": "audit",
    "reserves": "reserves",
    "report": "report",
    "serve": "serve",
    "publish": "publish",
    "demo": "demo",
}
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

_EPILOG = """\
exit codes: 0 everything checks out; 1 the data does not check out, or an id is not in the
snapshot (with the evidence); 2 a usage error, unreadable input, an unsupported version, or
a missing extra; 3 'solvent verify': your balance is included, but the tree contains negative
sums (its totals prove nothing), 'solvent audit --asset': the audited trees passed, the others
were not checked (never 0); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM).
'solvent COMMAND --help' lists a command's options."""


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors show the user's words with every control, bidi or
    invisible character escaped (argparse quotes an unrecognised argument as it was typed)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {printable(message)}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (``only``) one command's: ``solvent prove ...`` imports no other command."""
    parser = _Parser(
        prog="solvent",
        description="Proof of Reserves: build a Merkle sum tree snapshot, prove and verify balances, audit, "
        "and report.",
        epilog=_EPILOG,
        allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=None, usage_parser=parser)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, module in COMMAND_MODULES.items():
        if only is None or name == only:
            importlib.import_module(f"solvent.cli.{module}").add_parser(subparsers)
    return parser


def check_environment() -> None:
    """The environment variables solvent reads, checked before any work (exit 2, never a traceback)."""
    hasher_name()
    thread_count()


def run_command(args: argparse.Namespace) -> int:
    """Run a parsed command; every failure becomes its exit code and a message, never a traceback."""
    as_json = bool(getattr(args, "as_json", False))
    command = str(getattr(args, "command_name", "")).strip()
    try:
        check_environment()
        require(command, getattr(args, "extra", None))
        code: int = args.handler(args)
        return code
    except SolventError as e:
        report_error(e, as_json=as_json)
        return exit_code_for(e)
    except ModuleNotFoundError as e:
        # An optional module the extra check did not foresee: still a missing extra, not a crash.
        extra = extra_providing(e.name)
        if extra is None:
            raise
        report_error(missing_extra_error(command, extra, [str(e.name)]), as_json=as_json)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`solvent prove ... | head -c 10`): nothing more can be said to it.
        _silence_stdout()
        return EXIT_USAGE
    except (OSError, MemoryError) as e:
        # The machine, not the data: a file that cannot be written, a full disk, no memory.
        report_error(io_error(e), as_json=as_json)
        return EXIT_USAGE


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """``solvent ARGS...``; returns the exit code (the console script exits with it)."""
    try:
        words = sys.argv[1:] if argv is None else list(argv)
        parser = build_parser(only=words[0] if words and words[0] in COMMAND_MODULES else None)
        try:
            args = parser.parse_args(words)
        except SystemExit as e:  # --help (0), or argparse's own usage error (2, message printed)
            return e.code if isinstance(e.code, int) else EXIT_USAGE
        if args.handler is None:  # `solvent` or `solvent reserves` alone: say what there is
            args.usage_parser.print_help(sys.stderr)
            return EXIT_USAGE
        return run_command(args)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return EXIT_INTERRUPTED
    except Terminated:
        sys.stderr.write("terminated\n")
        return EXIT_TERMINATED
    finally:
        _flush()


def _flush() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    except (OSError, ValueError):
        pass

