"""The ``solvent`` command line, on the standard library's argparse: one module per command.

See :mod:`solvent.cli.app` for how commands are declared and run; the console script
``solvent`` and ``python -m solvent`` both call :func:`main`.
"""

from __future__ import annotations

from solvent.cli.app import main

__all__ = ["main"]
