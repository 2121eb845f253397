"""The ``solvent`` command line: thin wiring of the stages, one module per command."""

from __future__ import annotations

from solvent.cli import (  # noqa: F401  (each module registers its commands)
    keys,
    prove,
    report,
    reserves,
    verify,
)
from solvent.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
