"""Moved to :mod:`solvent.pipeline.report` (checking what binds a snapshot is wiring, not reporting).

Transitional: this old import path stays only until ``solvent.cli`` imports
:mod:`solvent.pipeline.report` itself; it is allowed by name in ``.importlinter``.
Delete this file and that line together.
"""

from solvent.pipeline.report import LoadedSnapshot, load_snapshot

__all__ = ["LoadedSnapshot", "load_snapshot"]
