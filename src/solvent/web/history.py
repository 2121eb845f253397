"""The served snapshots' history: the reserve ratio per asset across them (``solvent-history/1``).

One document for both ways of publishing: ``GET /api/history`` (:mod:`.api`) and
``data/history.json`` of a static site (:mod:`.static_site`). Its figures are each
snapshot's solvency report, made when the snapshot was loaded (the counting rule of
:mod:`solvent.report.solvency`, the same report the page's table and ``solvent report``
show); a snapshot without reserves.json is assessed with none (its liabilities only).
"""

from __future__ import annotations

from typing import Any

from solvent.report.history import history_document
from solvent.report.solvency import assess
from solvent.web.catalog import Catalog

__all__ = ["HISTORY_FILE", "catalog_history"]

#: Where a static site keeps it, under its root.
HISTORY_FILE = "data/history.json"


def catalog_history(catalog: Catalog) -> dict[str, Any]:
    return history_document([s.report if s.report is not None else assess(s.manifest, None) for s in catalog])
