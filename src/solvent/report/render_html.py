"""The solvency report as one static HTML page (jinja2; charts as data: SVG images).

No script, no external resource (a Content-Security-Policy says so to the browser):
the page can be archived and opened offline, and shows the same limits as the
terminal report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from solvent.report.charts import coverage_chart, ratio_history_chart
from solvent.report.render_json import NOT_CHECKED, report_to_dict
from solvent.report.solvency import LIMITATIONS, SolvencyReport

__all__ = ["render_html"]


def render_html(reports: Sequence[SolvencyReport], *, allow_declared: bool = False) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("solvent.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    snapshots: list[dict[str, Any]] = []
    for r in reports:
        d = report_to_dict(r, allow_declared=allow_declared)
        d["chart"] = coverage_chart(r)
        snapshots.append(d)
    # the words that flag an unrecognised token contract (no reserves: no balance to flag)
    label = next((r.reserves.unrecognised_label for r in reports if r.reserves), "")
    return env.get_template("report.html.j2").render(
        snapshots=snapshots,
        history_chart=ratio_history_chart(reports),
        limitations=LIMITATIONS,
        unrecognised=label,
        not_checked=NOT_CHECKED,
        passed=all(s["passed"] for s in snapshots),
    )
