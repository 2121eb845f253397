"""Helpers every command shares, standard library only: exit codes and how a failure is printed.

Exit codes, for every command: 0 success / valid; 1 the data does not check out
(a verification failure or a published file that is not in its format: fail
closed) or a looked-up id is not in the snapshot; 2 usage errors, unreadable
input, the operator's own bad input, a file in a version this release does not read
("unsupported version") and a missing extra; 3 a verdict that is neither a pass nor
a plain failure (``audit --asset``: a partial audit; ``verify``: your balance is
included, but the tree binds negative sums, so its totals prove nothing); 130
interrupted; 143 terminated (SIGTERM, for the commands that write a snapshot or site).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Iterator

from solvent.protocol.errors import FormatError, InputError, NotFound, SolventError, VerificationError
from solvent.protocol.text import printable

__all__ = [
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_UNSOUND",
    "EXIT_USAGE",
    "Terminated",
    "exit_code_for",
    "io_error",
    "message_lines",
    "printable",
    "report_error",
    "silence_stdout",
    "terminate_as_interrupt",
]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
#: ``verify``: the customer's balance is included, but the tree binds negative sums (threat L2),
#: so its totals prove nothing. Never 0, and not 1: the inclusion itself did check out.
EXIT_UNSOUND = 3
#: The code of a FormatError for a document whose version this release does not read (a
#: ``solvent-proof/3``, Binance's pre-2024 proofs): the user needs another verifier, the data
#: is not shown to be false, so exit 2 ("unsupported version"), not 1.
VERSION_CODE = "version"


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every cleanup runs as it does for Ctrl-C."""


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While a command writes a snapshot or a site: SIGTERM unwinds the stack as Ctrl-C does,
    so the temporary folder (and every secret in it) is removed; ``main`` exits 143 (130
    for Ctrl-C).

    The first SIGINT or SIGTERM stops the work; every later one is ignored, inside the
    block and after it: the clean-up runs to its end however often Ctrl-C is pressed, and
    the command exits with its status instead of dying by a signal in the middle of it.
    Whatever exception the stop causes on its way out (a process pool whose workers the
    same Ctrl-C stopped is "broken") leaves as the interrupt.

    Only around such work, in the main thread: ``serve`` forks workers that its parent
    stops with SIGTERM, and they must keep the default action.  A SIGINT that was ignored
    when the command started (a background job) stays ignored.
    """
    stopped: list[int] = []

    def stop(signum: int, frame: object) -> None:
        if stopped:
            return  # already stopping: let the clean-up finish
        stopped.append(signum)
        raise KeyboardInterrupt if signum == signal.SIGINT else Terminated

    handled = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        handled.append(signal.SIGINT)
    try:
        previous = {s: signal.signal(s, stop) for s in handled}
    except ValueError:  # not the main thread (a test calling a command): leave it
        yield
        return
    try:
        yield
    except BaseException as e:
        if not stopped:
            raise
        for s in handled:  # the process is on its way out
            signal.signal(s, signal.SIG_IGN)
        if isinstance(e, KeyboardInterrupt | Terminated):
            raise
        raise (KeyboardInterrupt() if stopped[0] == signal.SIGINT else Terminated()) from e
    finally:
        if not stopped:
            for s, handler in previous.items():
                signal.signal(s, handler)


def exit_code_for(error: SolventError) -> int:
    if error.code == VERSION_CODE:
        return EXIT_USAGE
    if isinstance(error, VerificationError | FormatError | NotFound):
        return EXIT_INVALID
    return EXIT_USAGE


def io_error(error: OSError | MemoryError) -> SolventError:
    """An operating-system failure as an error a user can read (exit 2, never a traceback)."""
    if isinstance(error, MemoryError):
        return InputError("out of memory")
    where = f"{error.filename}: " if getattr(error, "filename", None) else ""
    return InputError(f"{where}{error.strerror or error}")


def _message(error: SolventError) -> str:
    """The message as printed: a version this release does not read says so first."""
    if error.code == VERSION_CODE and not error.message.startswith("unsupported version"):
        return f"unsupported version: {error.message}"
    return error.message


def message_lines(text: str, indent: str = "  ") -> list[str]:
    """``text`` split at its line feeds, each line escaped (:func:`printable`), the lines after
    the first indented (unless they already are).

    A message that lists several problems has one per line; a line break anywhere else (a
    carriage return, U+2028, a control character from a hostile file) is shown escaped, so
    no quoted text can start a line of its own that looks like the verdict.
    """
    first, *rest = (printable(line) for line in text.split("\n"))
    return [first, *(line if line.startswith(" ") else indent + line for line in rest)]


def report_error(error: SolventError, *, as_json: bool = False) -> None:
    """Print a failure with its evidence to stderr (or as JSON to stdout)."""
    kind = "INVALID" if exit_code_for(error) == EXIT_INVALID else "ERROR"
    message = _message(error)
    if as_json:
        payload = {"valid": False, "error": error.code, "message": message, "evidence": error.evidence}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    first, *rest = message_lines(message)
    lines = [f"{kind}: {first}", *rest]
    lines += [f"  {printable(key)}: {printable(value)}" for key, value in error.evidence.items()]
    sys.stderr.write("\n".join(lines) + "\n")


def silence_stdout() -> None:
    """The reader of stdout went away (``solvent verify F | head -1``): send what is left to
    /dev/null, so that neither the next write nor the interpreter's last flush complains."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
