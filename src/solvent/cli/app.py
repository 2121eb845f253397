"""The ``solvent`` Typer application and the one place errors become exit codes (see output.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer

from solvent.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    exit_code_for,
    io_error,
    printable,
    report_error,
)
from solvent.protocol.errors import SolventError

__all__ = [
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "app",
    "exit_code_for",
    "guarded",
    "printable",
    "report_error",
]

app = typer.Typer(
    name="solvent",
    help="Proof of Reserves: build a Merkle sum tree snapshot, prove and verify balances, audit, and report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

P = ParamSpec("P")
R = TypeVar("R")


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a command body; turn SolventError into its exit code, never a traceback."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except SolventError as e:
            report_error(e, as_json=bool(kwargs.get("as_json")))
            raise typer.Exit(exit_code_for(e)) from None
        except (OSError, MemoryError) as e:
            # The machine, not the data: a file that cannot be written, a full disk, no memory.
            report_error(io_error(e), as_json=bool(kwargs.get("as_json")))
            raise typer.Exit(EXIT_USAGE) from None
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            raise typer.Exit(130) from None

    return wrapper
