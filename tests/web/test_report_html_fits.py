"""The HTML report of a 20-asset exchange fits a desktop and a phone, in Chromium.

Amounts of 40 characters in seven columns made the report 1757 px wide at 1366 px and
1650 px on a phone; now no element is wider than the window at either size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from solvent.report.render_html import render_html
from tests.report.many_assets import ASSETS, amounts, report

pytestmark = pytest.mark.integration  # a browser

SIZES = [{"width": 1366, "height": 900}, {"width": 390, "height": 844}]


@pytest.fixture(scope="module")
def html_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_html([report(1), report(2), report(3)]), encoding="utf-8")
    return path


@pytest.mark.parametrize("size", SIZES, ids=lambda s: str(s["width"]))
def test_the_report_is_never_wider_than_the_window(page: Any, html_report: Path, size: dict[str, int]) -> None:
    page.set_viewport_size(size)
    page.goto(html_report.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    # nothing sticks out of the window either (a clipped box would not widen the document)
    wider = page.evaluate(
        "() => [...document.body.querySelectorAll('*')]"
        ".filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5).map((e) => e.outerHTML.slice(0, 80))"
    )
    assert wider == []
    # every verdict fully shown, on one line
    for badge in page.locator("td.PASS, td.DECLARED, td.FAIL").all()[:20]:
        box = badge.bounding_box()
        assert box is not None and box["x"] + box["width"] <= size["width"]
        assert badge.evaluate("(e) => e.scrollWidth <= e.clientWidth")
    # the page still says every amount, whole (line-break opportunities are not characters)
    text = page.evaluate("document.body.innerText").replace("\n", "")
    assert all(amount in text.replace("\u200b", "") for amount in amounts(report(3))[:40])
    assert all(a.symbol in text for a in ASSETS)
