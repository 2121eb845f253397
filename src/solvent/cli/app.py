"""The ``solvent`` Typer application and the one place errors become exit codes.

Exit codes, for every command: 0 success / valid; 1 the data does not check out
(a verification failure or a published file that is not in its format: fail
closed) or a looked-up id is not in the snapshot; 2 usage errors, unreadable
input and the operator's own bad input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer

from solvent.errors import FormatError, InputError, NotFound, SolventError, VerificationError

__all__ = [
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "app",
    "exit_code_for",
    "guarded",
    "printable",
    "read_input_file",
]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

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


def exit_code_for(error: SolventError) -> int:
    if isinstance(error, VerificationError | FormatError | NotFound):
        return EXIT_INVALID
    return EXIT_USAGE


def report_error(error: SolventError, *, as_json: bool = False) -> None:
    """Print a failure with its evidence to stderr (or as JSON to stdout)."""
    kind = "INVALID" if exit_code_for(error) == EXIT_INVALID else "ERROR"
    if as_json:
        payload = {"valid": False, "error": error.code, "message": error.message, "evidence": error.evidence}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    lines = [f"{kind}: {printable(error.message)}"]
    lines += [f"  {printable(key)}: {printable(value)}" for key, value in error.evidence.items()]
    sys.stderr.write("\n".join(lines) + "\n")


def printable(text: str) -> str:
    """Escape control characters: evidence can quote a hostile file, which must not drive the terminal."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a command body; turn SolventError into its exit code, never a traceback."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except SolventError as e:
            report_error(e, as_json=bool(kwargs.get("as_json")))
            raise typer.Exit(exit_code_for(e)) from None
        except KeyboardInterrupt:
            sys.stderr.write("interrupted\n")
            raise typer.Exit(130) from None

    return wrapper


def read_input_file(path: Path, what: str, max_bytes: int = 64 * 1024 * 1024) -> bytes:
    """Read a whole (small) file; an unreadable one is a usage error (exit 2)."""
    try:
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError as e:
        raise InputError(f"{path}: {what} not found") from e
    except IsADirectoryError as e:
        raise InputError(f"{path}: is a directory, expected the {what} file") from e
    except OSError as e:
        raise InputError(f"{path}: cannot read the {what} ({e.strerror})") from e
    if len(data) > max_bytes:
        raise FormatError(f"{path}: the {what} is larger than {max_bytes} bytes")
    return data


