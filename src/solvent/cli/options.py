"""Shared argparse pieces: how a command's parser is made, and value types that fail with a clear message.

A value type raises :class:`argparse.ArgumentTypeError`; argparse then prints the
command's usage and the message, and exits 2, before any work is done.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from solvent.protocol.manifest import is_control
from solvent.protocol.text import printable
from solvent.tree.environment import BACKENDS

__all__ = [
    "MIN_MEMORY",
    "add_command",
    "hash_backend",
    "host",
    "int_in",
    "memory_size",
    "output_file",
    "parse_size",
    "path",
]

#: The smallest ``--memory`` budget: the interpreter, Polars and NumPy alone take about this
#: much, so a smaller budget could not be kept, only misreported.
MIN_MEMORY = 64 << 20
_MAX_MEMORY = 1 << 50  # 1 PiB: beyond any machine; a larger value is a typo
_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)")
# K, M, G, T (and KiB ... TiB) count in 1024s; KB, MB, GB, TB in 1000s; B or nothing: bytes.
_UNITS = {
    "": 1, "b": 1,
    "k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20,
    "g": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tib": 1 << 40,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
}  # fmt: skip


def add_command(
    subparsers: Any,
    name: str,
    summary: str,
    description: str | None = None,
    *,
    extra: str | None = None,
    handler: Callable[[argparse.Namespace], int] | None = None,
    parent: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand parser: ``-h/--help``, no abbreviated options, the summary in ``solvent --help``.

    ``handler`` runs the command and returns its exit code; ``extra`` is the pip extra it
    needs (checked before ``handler`` runs); ``parent`` names the group (``reserves``).
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=summary,
        description=summary if description is None else f"{summary}\n\n{description}",
        allow_abbrev=False,  # --snap is not --snapshot: options are spelled out, as in the docs
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command = f"{parent} {name}" if parent else name
    parser.set_defaults(handler=handler, extra=extra, command_name=command, usage_parser=parser)
    return parser


def path(value: str) -> Path:
    """A file or directory argument; an empty one would silently mean the current directory."""
    if not value:
        raise argparse.ArgumentTypeError("an empty path is not a file or directory")
    if "\x00" in value:
        raise argparse.ArgumentTypeError("a path cannot contain a NUL character")
    if any("\ud800" <= c <= "\udfff" for c in value):
        # Bytes that are not UTF-8 reach Python as lone surrogates; the columnar readers
        # (Polars, Arrow) cannot open such a name at all, and it cannot be printed as text.
        raise argparse.ArgumentTypeError(
            f"'{printable(value[:200])}' is not valid UTF-8: rename the file or folder (or use another name for it)"
        )
    bad = next((c for c in value if is_control(c)), None)
    if bad is not None:
        # The one rule for text shown to people (protocol.manifest.is_control): a path is
        # echoed in every report and in the commands the demo prints, and an escape sequence
        # or a right-to-left override in it would rewrite what the terminal shows.
        raise argparse.ArgumentTypeError(
            f"'{printable(value[:200])}' holds a control, bidi or invisible character (U+{ord(bad):04X}): "
            "rename the file or folder"
        )
    return Path(value)


def output_file(value: str) -> Path:
    """A file a command writes: :func:`path`, and never a name ending in a slash (pathlib would
    drop it, and ``--out proofs/`` would write a file named ``proofs``)."""
    if value.endswith(("/", os.sep)):
        raise argparse.ArgumentTypeError(f"'{printable(value[:200])}' names a folder: give a file name")
    return path(value)


def host(value: str) -> str:
    """A host name or address to listen on: ASCII, or a name IDNA can write in ASCII.

    Anything else (bytes that were not UTF-8 in argv, a label over 63 characters, a
    control character) cannot reach the resolver at all: a usage error, not a traceback.
    """
    problem = f"'{printable(value[:80])}' is not a host name or address"
    try:
        value.encode("idna")
    except UnicodeError as e:
        raise argparse.ArgumentTypeError(problem) from e
    if not value or any(not c.isprintable() for c in value):
        raise argparse.ArgumentTypeError(problem)
    return value


def int_in(low: int, high: int | None = None) -> Callable[[str], int]:
    """A whole number in ``[low, high]`` (decimal digits only: no 1e3, 0x10, 1_000)."""
    bounds = f"of {low} or more" if high is None else f"from {low} to {high}"

    def parse(value: str) -> int:
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 12:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number {bounds}")
        number = int(text)
        if number < low or (high is not None and number > high):
            raise argparse.ArgumentTypeError(f"{number} is out of range: give a whole number {bounds}")
        return number

    parse.__name__ = "number"  # argparse names the type in some messages
    return parse


def parse_size(value: str) -> int:
    """``512M``, ``2G``, ``1.5GiB``, ``800MB``, ``1073741824``: a size in bytes (ValueError if not one).

    K/M/G/T and KiB/MiB/GiB/TiB are powers of 1024, KB/MB/GB/TB powers of 1000; a
    fraction is rounded down to whole bytes.
    """
    match = _SIZE.fullmatch(value.strip())
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None or not value.isascii():
        raise ValueError(f"{value!r} is not a size: give a number and a unit, e.g. 512M, 2G or 1.5GiB")
    return int(Decimal(match.group(1)) * unit)


def memory_size(value: str) -> int:
    """A ``--memory`` budget in bytes, at least :data:`MIN_MEMORY`."""
    try:
        size = parse_size(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e
    if size < MIN_MEMORY:
        raise argparse.ArgumentTypeError(
            f"{value!r} is too small: a build needs at least {MIN_MEMORY >> 20}M (the engine alone takes about that)"
        )
    if size > _MAX_MEMORY:
        raise argparse.ArgumentTypeError(f"{value!r} is more memory than any machine has")
    return size


def hash_backend(value: str) -> str:
    if value not in BACKENDS:
        raise argparse.ArgumentTypeError(f"unknown hash backend {value!r}; accepted: {', '.join(BACKENDS)}")
    return value
