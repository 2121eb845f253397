"""Static charts for the HTML report (matplotlib, SVG): coverage per asset, ratio over time.

Charts show ratios, not amounts, so that assets of different units share one axis.
They are embedded as ``data:`` images: the page needs no script and no network.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from solvent.report.solvency import SolvencyReport

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["coverage_chart", "ratio_history_chart"]


def _svg_data_uri(fig: Figure) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _percent(numerator: int, denominator: int) -> float:
    # Display only: the verdict is computed with exact integers in solvency.py.
    return 100.0 * numerator / denominator


def coverage_chart(report: SolvencyReport) -> str | None:
    """Horizontal bars: observed and declared reserves as % of liabilities, a line at 100 %."""
    lines = [line for line in report.lines if line.liabilities > 0]
    if not lines:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 0.6 * len(lines) + 1.4))
    labels = [line.symbol for line in lines]
    observed = [_percent(line.observed, line.liabilities) for line in lines]
    declared = [_percent(line.declared, line.liabilities) for line in lines]
    ax.barh(labels, observed, color="#2e7d32", label="observed on chain (verified)")
    ax.barh(labels, declared, left=observed, color="#f9a825", hatch="//", label="declared (not verified)")
    ax.axvline(100, color="#b71c1c", linewidth=1.5, label="liabilities (100 %)")
    ax.invert_yaxis()
    ax.set_xlabel("reserves as % of customer liabilities")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"{report.manifest.exchange} - snapshot {report.manifest.snapshot_id}")
    return _svg_data_uri(fig)


def ratio_history_chart(reports: Sequence[SolvencyReport]) -> str | None:
    """Observed reserve ratio per asset across snapshots (in the given, time order)."""
    if len(reports) < 2:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    x = [r.manifest.snapshot_id for r in reports]
    symbols = sorted({line.symbol for r in reports for line in r.lines})
    for symbol in symbols:
        y = []
        for r in reports:
            line = next((ln for ln in r.lines if ln.symbol == symbol and ln.liabilities > 0), None)
            y.append(_percent(line.observed, line.liabilities) if line else float("nan"))
        ax.plot(x, y, marker="o", label=symbol)
    ax.axhline(100, color="#b71c1c", linewidth=1.2, linestyle="--")
    ax.set_ylabel("observed reserves / liabilities (%)")
    ax.set_xlabel("snapshot")
    ax.legend(fontsize=8)
    ax.set_title("Reserve ratio over time")
    return _svg_data_uri(fig)
