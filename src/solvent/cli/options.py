"""Shared argparse pieces: how a command's parser is made, and value types that fail with a clear message.

A value type raises :class:`argparse.ArgumentTypeError`; argparse then prints the
command's usage and the message, and exits 2, before any work is done.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from solvent.tree.environment import BACKENDS

__all__ = ["add_command", "hash_backend", "int_in", "path"]



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
    return Path(value)


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


def hash_backend(value: str) -> str:
    if value not in BACKENDS:
        raise argparse.ArgumentTypeError(f"unknown hash backend {value!r}; accepted: {', '.join(BACKENDS)}")
    return value
