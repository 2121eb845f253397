"""The solvency report as one static HTML page (jinja2; charts as data: SVG images).

It fits a phone as well as a desktop: long amounts wrap between digit groups, and below
44rem each table row becomes a card of "heading: value" lines; the charts scale down.

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

__all__ = ["amount_html", "render_html"]

#: An amount up to this many characters is never broken; a longer one may wrap between digit groups.
_UNBROKEN = 16


def amount_html(text: object) -> Any:
    """An exact amount, escaped, with a line-break opportunity (``<wbr>``, no character) between
    groups of three integer digits and six decimals: a 40-character amount wraps in a narrow
    cell at a group boundary instead of widening the page. The text is unchanged."""
    from markupsafe import Markup, escape

    value = str(text)
    sign, body = ("-", value[1:]) if value.startswith("-") else ("", value)
    whole, dot, fraction = body.partition(".")
    if len(value) <= _UNBROKEN or not whole.isdigit() or (dot and not fraction.isdigit()):
        return escape(value)
    head = len(whole) % 3 or 3
    groups = [whole[:head], *(whole[i : i + 3] for i in range(head, len(whole), 3))]
    decimals = [fraction[i : i + 6] for i in range(0, len(fraction), 6)]
    parts = [sign + groups[0], *groups[1:]]
    if dot:
        parts[-1] += "." + (decimals[0] if decimals else "")
        parts.extend(decimals[1:])
    return Markup("<wbr>").join(parts)


def render_html(reports: Sequence[SolvencyReport], *, allow_declared: bool = False) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("solvent.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["amount"] = amount_html
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
