"""The reserve ratio per asset across snapshots, as one JSON document (``solvent-history/1``).

``solvent publish --static`` writes it as ``data/history.json`` and ``solvent serve``
answers it at ``GET /api/history``; the page draws it (``static/js/history.js``). Every
figure is the solvency report's own (:mod:`.solvency`: the same counting rule, the same
exact ratio rounded down to hundredths of a percent), amounts in base units as strings
and in asset units for display: no float anywhere.

::

    {"format": "solvent-history/1", "exchange": ...,
     "palette": ["#rrggbb", ...],                       palette.json, the report's colours
     "assets": [{"symbol", "colour", "dash"}, ...],     one series per asset, first seen first
     "snapshots": [                                     oldest first
       {"snapshot_id", "taken_at", "reserves_published", "passed",
        "assets": [{"symbol", "decimals", "liabilities", "observed_reserves", "declared",
                    "ratio", "ratio_hundredths", "ratio_with_declared", "status", "display"}]}]}

A snapshot published without reserves has ``reserves_published`` false, ``passed`` null
and per asset its liabilities only (reserves, ratios and status null): no reserves are
proven, and the chart leaves a gap rather than draw a zero nobody measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from solvent.protocol.amounts import format_signed_units
from solvent.protocol.versions import AnyManifest
from solvent.report.palette import palette, series_styles
from solvent.report.solvency import SolvencyReport, format_ratio, liabilities_by_asset, ratio_hundredths

__all__ = ["HISTORY_FORMAT", "history_document"]

HISTORY_FORMAT = "solvent-history/1"

def _without_reserves(manifest: AnyManifest) -> list[dict[str, Any]]:
    return [
        {
            "symbol": a.symbol,
            "decimals": a.decimals,
            "liabilities": str(total),
            "observed_reserves": None,
            "declared": None,
            "ratio": None,
            "ratio_hundredths": None,
            "ratio_with_declared": None,
            "status": None,
            "display": {"liabilities": format_signed_units(total, a.decimals)},
        }
        for a, total in zip(manifest.assets, liabilities_by_asset(manifest), strict=True)
    ]


def _with_reserves(report: SolvencyReport) -> list[dict[str, Any]]:
    out = []
    for line in report.lines:
        d = line.decimals
        out.append(
            {
                "symbol": line.symbol,
                "decimals": d,
                "liabilities": str(line.liabilities),
                "observed_reserves": str(line.observed),
                "declared": str(line.declared),
                "ratio": format_ratio(line.ratio),
                "ratio_hundredths": ratio_hundredths(line.ratio),
                "ratio_with_declared": format_ratio(line.ratio_with_declared),
                "status": line.status,
                "display": {
                    "liabilities": format_signed_units(line.liabilities, d),
                    "observed_reserves": format_signed_units(line.observed, d),
                    "declared": format_signed_units(line.declared, d),
                },
            }
        )
    return out


def history_document(reports: Sequence[SolvencyReport], *, allow_declared: bool = False) -> dict[str, Any]:
    """The history of ``reports``, one per snapshot (any order: sorted by snapshot time, oldest
    first); a snapshot without reserves is its :func:`~.solvency.assess` with none."""
    ordered = sorted(reports, key=lambda r: _time_key(r.manifest.taken_at))
    snapshots = []
    for report in ordered:
        published = report.reserves is not None
        snapshots.append(
            {
                "snapshot_id": report.manifest.snapshot_id,
                "taken_at": report.manifest.taken_at,
                "reserves_published": published,
                "passed": report.passed(allow_declared=allow_declared) if published else None,
                "assets": _with_reserves(report) if published else _without_reserves(report.manifest),
            }
        )
    styles = series_styles(a.symbol for r in ordered for a in r.manifest.assets)
    return {
        "format": HISTORY_FORMAT,
        "exchange": ordered[-1].manifest.exchange if ordered else "",
        "palette": list(palette()),
        "assets": [{"symbol": s.symbol, "colour": s.colour, "dash": s.dash} for s in styles],
        "snapshots": snapshots,
    }


def _time_key(taken_at: str) -> tuple[str, str]:
    """RFC 3339 UTC times in order: seconds, then the fraction padded (``.5Z`` after ``Z``)."""
    whole, _, fraction = taken_at.rstrip("Z").partition(".")
    return whole, fraction.ljust(9, "0")
