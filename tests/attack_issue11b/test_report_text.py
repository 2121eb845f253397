"""Hostile exchange names against the HTML report, and names that look like another.

The exchange name is signed text from a file the auditor did not write.  The HTML report draws
it in a matplotlib chart title, where ``$...$`` is TeX (mathtext): a name that is not valid TeX
is a traceback after the terminal report was printed, and the exit status 1 of an uncaught
exception reads as the verdict "not passed".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from solvent.protocol.errors import FormatError
from solvent.protocol.manifest import check_exchange_name
from tests.attack_issue11b.conftest import build_v2, solvent


@pytest.mark.parametrize("name", ["Ex$\\frac{$", "$" + "{" * 98 + "}" * 98 + "$"], ids=["bad-tex", "deep-braces"])
def test_a_tex_like_exchange_name_never_breaks_the_html_report(tmp_path: Path, name: str) -> None:
    check_exchange_name(name)  # a name the one text rule lets through: build signs it
    built = build_v2(tmp_path, exchange=name)
    html = tmp_path / "report.html"
    done = solvent("report", built.directory, "--html", html)
    assert "Traceback" not in done.stderr, done.stderr[-600:]
    assert done.returncode == 1  # the verdict: no reserves.json, so not passed
    assert html.is_file()


@pytest.mark.parametrize(
    "name",
    ["Binance ", " Binance", "Binance\u00a0", "Bin  ance", "Binance\u3000", "Binance\u2007", "\u2003Binance"],
    ids=["trailing", "leading", "nbsp", "double", "ideographic", "figure-space", "em-space-leading"],
)
def test_a_name_padded_with_white_space_is_refused(name: str) -> None:
    with pytest.raises(FormatError):
        check_exchange_name(name)
