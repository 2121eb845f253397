"""One palette for every ratio chart: 20 colours a reader tells apart, so a 20-asset history
never draws two assets alike (matplotlib's default cycle repeats after 10)."""

from __future__ import annotations

import base64
import itertools
import re

from solvent.report.charts import history_series, ratio_history_chart
from solvent.report.palette import palette, series_styles
from tests.report.many_assets import SYMBOLS, report


def _lab(colour: str) -> tuple[float, float, float]:
    """sRGB ``#rrggbb`` to CIELAB (D65)."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _contrast_on_white(colour: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_twenty_colours_far_apart_and_visible_on_white() -> None:
    colours = palette()
    assert len(colours) == 20 and len(set(colours)) == 20
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    # CIE76 distance: 2.3 is just noticeable; every pair here is at least 15 apart
    closest = min(
        sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b), strict=True)) ** 0.5
        for a, b in itertools.combinations(colours, 2)
    )
    assert closest >= 15
    assert all(_contrast_on_white(c) >= 3 for c in colours)  # WCAG 1.4.11, non-text contrast


def test_each_asset_its_own_style_even_past_twenty() -> None:
    styles = series_styles(f"A{i}" for i in range(45))
    assert len({(s.colour, s.dash) for s in styles}) == 45
    assert [s.colour for s in styles[:20]] == list(palette())
    assert series_styles(["B", "A", "B"]) == series_styles(["B", "A"])  # first appearance, once


def test_the_history_chart_of_20_assets_has_20_colours_and_20_labels() -> None:
    reports = [report(1), report(2), report(3)]
    ids, series = history_series(reports)
    assert ids == ("2026-11-01", "2026-11-02", "2026-11-03")
    assert [s.label for s in series] == list(SYMBOLS)
    assert len({s.colour for s in series}) == 20
    assert len({(s.colour, s.marker) for s in series}) == 20
    uri = ratio_history_chart(reports)
    assert uri is not None
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    drawn = set(re.findall(r"stroke: (#[0-9a-f]{6})", svg))
    assert set(palette()) <= drawn
    labels = re.findall(r">(TOKEN\d\d)<", svg)  # the legend's labels, as text
    assert sorted(labels) == sorted(SYMBOLS)


def test_the_chart_plots_the_reports_own_rounded_ratio() -> None:
    reports = [report(1), report(2)]
    _, series = history_series(reports)
    from solvent.report.solvency import format_ratio

    for s, line in zip(series, reports[1].lines, strict=True):
        assert f"{s.values[1]:.2f}%" == format_ratio(line.ratio)
