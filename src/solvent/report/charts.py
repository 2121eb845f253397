"""Static charts for the HTML report (matplotlib, SVG): coverage per asset, ratio over time.

Charts show ratios, not amounts, so that assets of different units share one axis. The
series colours come from the one palette (``palette.json``), which the page's history
chart uses too: an asset has the same colour in the report and on the page.
They are embedded as ``data:`` images: the page needs no script and no network.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from solvent.report.history import history_document
from solvent.report.solvency import SolvencyReport

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Series", "coverage_chart", "history_series", "ratio_history_chart"]


def _svg_data_uri(fig: Figure) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _percent(numerator: int, denominator: int) -> float:
    # Display only: the verdict is computed with exact integers in solvency.py.
    return 100.0 * numerator / denominator


#: Every text on a chart is drawn as written: "$" starts matplotlib's maths mode, and an
#: exchange name (signed, from the manifest) such as "Ex$\frac{$" would otherwise be parsed
#: as TeX, and fail.
_PLAIN_TEXT: dict[Any, Any] = {"text.parse_math": False, "text.usetex": False}


def coverage_chart(report: SolvencyReport) -> str | None:
    """Horizontal bars: observed and declared reserves as % of liabilities, a line at 100 %."""
    lines = [line for line in report.lines if line.liabilities > 0]
    if not lines:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(_PLAIN_TEXT):
        return _coverage_figure(plt, report, lines)


def _coverage_figure(plt: Any, report: SolvencyReport, lines: list[Any]) -> str:
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


#: Marker shapes cycled over the series: a second cue besides the colour.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "p")
#: matplotlib dash patterns by a series' ``dash`` round (palette.py): solid, dashed, dotted ...
DASHES = ("-", "--", ":", "-.")


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    linestyle: str
    marker: str
    #: Observed reserves / liabilities in percent, per snapshot (oldest first); None: no figure.
    values: tuple[float | None, ...]


def history_series(reports: Sequence[SolvencyReport]) -> tuple[tuple[str, ...], tuple[Series, ...]]:
    """The snapshot ids (oldest first) and one series per asset, styled from the one palette.

    The figures are the history document's (:func:`.history.history_document`): the exact
    ratio rounded down to hundredths of a percent, as every report shows it; a snapshot
    without reserves, or an asset nobody is owed, is a gap.
    """
    doc = history_document(reports)
    ids = tuple(s["snapshot_id"] for s in doc["snapshots"])
    series = []
    for i, style in enumerate(doc["assets"]):
        values: list[float | None] = []
        for snap in doc["snapshots"]:
            line = next((a for a in snap["assets"] if a["symbol"] == style["symbol"]), None)
            hundredths = None if line is None else line["ratio_hundredths"]
            values.append(None if hundredths is None else hundredths / 100)  # display only
        series.append(
            Series(
                style["symbol"],
                style["colour"],
                DASHES[style["dash"] % len(DASHES)],
                MARKERS[i % len(MARKERS)],
                tuple(values),
            )
        )
    return ids, tuple(series)


def ratio_history_chart(reports: Sequence[SolvencyReport]) -> str | None:
    """Observed reserve ratio per asset across snapshots (oldest first), one palette colour per
    asset and a legend below the plot in as many columns as fit."""
    if len(reports) < 2:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ids, series = history_series(reports)
    columns = min(max(len(series), 1), 6)
    rows = -(-len(series) // columns)
    with matplotlib.rc_context({"svg.fonttype": "none", **_PLAIN_TEXT}):  # labels stay text: searchable
        fig, ax = plt.subplots(figsize=(7.5, 3.6 + 0.28 * rows))
        x = list(range(len(ids)))
        for s in series:
            y = [float("nan") if v is None else v for v in s.values]
            ax.plot(x, y, color=s.colour, linestyle=s.linestyle, marker=s.marker, label=s.label)
        ax.axhline(100, color="#b71c1c", linewidth=1.2, linestyle="--")
        ax.set_xticks(x, ids, rotation=30 if len(ids) > 4 else 0, ha="right" if len(ids) > 4 else "center")
        ax.set_ylabel("observed reserves / liabilities (%)")
        ax.set_xlabel("snapshot")
        ax.set_title("Reserve ratio over time")
        if series:
            ax.legend(fontsize=8, ncols=columns, loc="upper center", bbox_to_anchor=(0.5, -0.22), frameon=False)
        return _svg_data_uri(fig)
