"""The ``solvent`` command line: thin wiring of the stages, one module per command."""

from __future__ import annotations

from solvent.cli import keys, verify  # noqa: F401  (each module registers its commands)
from solvent.cli import report  # noqa: F401
from solvent.cli import reserves  # noqa: F401
from solvent.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
