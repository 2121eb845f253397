"""The terminal report never cuts or folds an amount, at any terminal width.

A folded 18-decimal balance reads as another number on its first line
("123...679.1234567890123456" over "79"). Every table is printed when it fits the terminal,
and otherwise drops to a narrower layout of "heading: value" lines, wrapped at spaces only;
an amount longer than the whole line stands on a line of its own, whole (the terminal
wraps it).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from solvent.pipeline.build import BuildRequest
from solvent.pipeline.build_v2 import build_snapshot_v2
from solvent.pipeline.report import assess_snapshot, load_snapshot
from solvent.protocol.assets import parse_asset_list
from solvent.report.render_text import print_report
from solvent.report.solvency import SolvencyReport
from tests.cli_invoke import invoke
from tests.report.many_assets import amounts, report
from tests.reserves.scenario import write_keys

BIG = "123456789012345679.123456789012345679"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("amounts")
    ledger = folder / "ledger.csv"
    ledger.write_text("uid,ETH,BTC\nalice,123456789012345678.123456789012345678,1\nbob,1.000000000000000001,2\n")
    keys = write_keys(folder / "keys")
    request = BuildRequest(
        ledger=ledger, assets=parse_asset_list("ETH:18,BTC:8"), snapshot_id="s18",
        master_key_file=keys.master_key, signing_key_file=keys.signing_key, out=folder / "snap",
        exchange="Ex", taken_at="2026-11-23T00:00:00Z",
    )
    build_snapshot_v2(request, workers=1)
    return request.out


def printed(r: SolvencyReport, width: int) -> str:
    buffer = io.StringIO()
    print_report(r, Console(file=buffer, width=width))
    return buffer.getvalue()


def assert_nothing_cut(text: str, width: int, expected: list[str]) -> None:
    lines = text.splitlines()
    words = {word for line in lines for word in line.replace("│", " ").split()}
    missing = [a for a in expected if a not in words]
    assert missing == [], f"amounts not printed whole at width {width}: {missing[:3]}"
    # only a lone word longer than the terminal may overflow it (the terminal wraps it, whole)
    over = [line for line in lines if len(line) > width and len(line.split()) != 1]
    assert over == [], f"lines wider than {width}: {over[:3]}"


@pytest.mark.parametrize("width", [40, 80, 200])
def test_every_amount_of_20_assets_whole_at_40_80_and_200_columns(width: int) -> None:
    r = report(3)
    expected = amounts(r)
    assert max(map(len, expected)) > 40 and any(len(a.split(".")[0]) >= 37 for a in expected)
    assert_nothing_cut(printed(r, width), width, expected)


@pytest.mark.parametrize("width", [40, 60, 80, 160])
def test_an_18_decimal_amount_is_printed_whole(snapshot: Path, width: int) -> None:
    text = printed(assess_snapshot(load_snapshot(snapshot)), width)
    assert_nothing_cut(text, width, [BIG, "-" + BIG, "3.00000000"])


def test_a_wide_terminal_gets_the_table(snapshot: Path) -> None:
    text = printed(assess_snapshot(load_snapshot(snapshot)), 250)
    eth = next(line for line in text.splitlines() if line.startswith("│ ETH"))
    cells = [c.strip() for c in eth.split("│")[1:-1]]
    assert cells[0] == "ETH" and cells[1] == BIG and cells[5] == "-" + BIG and cells[-1] == "FAIL"


@pytest.mark.integration  # runs the CLI
@pytest.mark.parametrize("columns", [40, 80, 200])
def test_solvent_report_uses_the_terminal_width(snapshot: Path, columns: int) -> None:
    result = invoke(["report", snapshot], columns=columns)
    assert_nothing_cut(result.stdout, columns, [BIG, "-" + BIG, "3.00000000"])
    assert "Overall: NOT PASSED" in result.stdout
