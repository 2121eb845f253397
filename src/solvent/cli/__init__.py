"""The ``solvent`` command line: thin wiring of the stages, one module per command.

Command modules register themselves on the Typer app when imported; :func:`main`
imports them only when the Typer app is needed, so that ``solvent prove`` can take
the fast path of :mod:`solvent.cli.fastpath`.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["get_app", "main"]

_COMMAND_MODULES = ("keys", "build", "prove", "verify", "audit", "reserves", "report", "serve", "publish", "demo")


def get_app() -> Any:
    """The Typer app with every command registered."""
    import importlib

    from solvent.cli.app import app

    for name in _COMMAND_MODULES:
        importlib.import_module(f"solvent.cli.{name}")
    return app


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["prove"] and not {"-h", "--help"} & set(argv):
        from solvent.cli import fastpath

        sys.exit(fastpath.main(argv[1:]))
    get_app()()
