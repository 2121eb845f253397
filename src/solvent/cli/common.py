"""Helpers every command shares, standard library only: exit codes and how a failure is printed.

Exit codes, for every command: 0 success / valid; 1 the data does not check out
(a verification failure or a published file that is not in its format: fail
closed) or a looked-up id is not in the snapshot; 2 usage errors, unreadable
input, the operator's own bad input and a missing extra; 3 a partial audit; 130
interrupted; 143 terminated (SIGTERM, for the commands that write a snapshot or site).
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from collections.abc import Iterator

from solvent.protocol.errors import FormatError, InputError, NotFound, SolventError, VerificationError
from solvent.protocol.text import printable

__all__ = [
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "Terminated",
    "exit_code_for",
    "io_error",
    "printable",
    "report_error",
    "terminate_as_interrupt",
]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every cleanup runs as it does for Ctrl-C."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While a command writes a snapshot or a site: SIGTERM unwinds the stack as Ctrl-C does,
    so the temporary folder (and every secret in it) is removed; ``main`` exits 143.

    Only around such work, in the main thread: ``serve`` forks workers that its parent
    stops with SIGTERM, and they must keep the default action.
    """
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (a test calling a command): leave it
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_code_for(error: SolventError) -> int:
    if isinstance(error, VerificationError | FormatError | NotFound):
        return EXIT_INVALID
    return EXIT_USAGE


def io_error(error: OSError | MemoryError) -> SolventError:
    """An operating-system failure as an error a user can read (exit 2, never a traceback)."""
    if isinstance(error, MemoryError):
        return InputError("out of memory")
    where = f"{error.filename}: " if getattr(error, "filename", None) else ""
    return InputError(f"{where}{error.strerror or error}")


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
