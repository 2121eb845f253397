"""Moved to :mod:`solvent.pipeline.report` (re-checking reserves is wiring, not reporting).

Transitional: this old import path stays only until ``solvent.cli`` and ``solvent.web``
import :mod:`solvent.pipeline.report` themselves; it is the one import from this package
upwards, allowed by name in ``.importlinter``.  Delete this file and that line together.
"""

from solvent.pipeline.report import VerifierSettings, assess_snapshot

__all__ = ["VerifierSettings", "assess_snapshot"]
