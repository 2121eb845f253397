"""Rendering: terminal, JSON and HTML; every output states what a proof of reserves cannot show (R5)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from solvent.cli import get_app
from solvent.report.solvency import LIMITATIONS
from solvent.spec.assets import parse_asset_list
from tests.report.fixtures import SCENARIO_ASSETS, declared_attestation
from tests.reserves.helpers import write_snapshot

app = get_app()

pytestmark = pytest.mark.integration  # runs the CLI
ASSETS = parse_asset_list(SCENARIO_ASSETS)


def two_snapshots(tmp_path: Path) -> list[Path]:
    out = []
    for day, eth_liab in (("2026-11-23", 300_000_000), ("2026-11-24", 400_000_000)):
        att = declared_attestation(day)
        out.append(
            write_snapshot(
                tmp_path / day,
                exchange="Test Exchange",
                snapshot_id=day,
                assets=ASSETS,
                liabilities={"BTC": 100, "ETH": eth_liab, "USDT": 10**9, "USD": 5},
                reserves=att.to_json(),
                taken_at=f"{day}T00:00:00Z",
            )
        )
    return out


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_r5_every_output_carries_the_limitations(tmp_path: Path, fmt: str) -> None:
    dirs = two_snapshots(tmp_path)
    html = tmp_path / "report.html"
    args = ["report", *map(str, dirs), "--html", str(html)] + (["--json"] if fmt == "json" else [])
    result = CliRunner().invoke(app, args)
    text = {"text": result.stdout, "json": result.stdout, "html": html.read_text() if html.exists() else ""}[fmt]
    for sentence in ("borrowed funds", "off-chain liabilities", "encumbered assets"):
        assert sentence in text
    assert result.exit_code == 1  # declared-only reserves: not a pass by default


def test_allow_declared_and_json_figures(tmp_path: Path) -> None:
    dirs = two_snapshots(tmp_path)
    result = CliRunner().invoke(app, ["report", *map(str, dirs), "--json", "--allow-declared"])
    doc = json.loads(result.stdout)
    assert [s["passed"] for s in doc["snapshots"]] == [True, False]
    assert result.exit_code == 1  # the second snapshot fails even when declared amounts are accepted
    assert [s["snapshot_id"] for s in doc["snapshots"]] == ["2026-11-23", "2026-11-24"]
    eth = [next(a for a in s["assets"] if a["asset"] == "ETH") for s in doc["snapshots"]]
    # declared ETH is 1.5 + 2 = 3.5 ETH = 350000000 base units
    assert [(a["declared_onchain"], a["status"], a["ratio_with_declared"]) for a in eth] == [
        ("350000000", "DECLARED", "116.66%"),
        ("350000000", "FAIL", "87.50%"),
    ]
    assert all(s["limitations"] == list(LIMITATIONS) for s in doc["snapshots"])


def test_html_is_static_and_self_contained(tmp_path: Path) -> None:
    dirs = two_snapshots(tmp_path)
    html = tmp_path / "r.html"
    CliRunner().invoke(app, ["report", *map(str, dirs), "--html", str(html)])
    page = html.read_text()
    assert "<script" not in page.lower()
    assert not re.search(r"(src|href)=\"https?:", page)
    assert page.count('src="data:image/svg+xml;base64,') == 3  # one per snapshot and the ratio over time
    assert "Reserve ratio over time" in page


def test_exchange_name_is_escaped_in_html(tmp_path: Path) -> None:
    att = dataclasses.replace(declared_attestation(), exchange="<b>Evil</b>")
    d = write_snapshot(
        tmp_path / "s",
        exchange="<b>Evil</b>",
        snapshot_id="2026-11-23",
        assets=ASSETS,
        liabilities={},
        reserves=att.to_json(),
    )
    html = tmp_path / "r.html"
    CliRunner().invoke(app, ["report", str(d), "--html", str(html)])
    assert "<b>Evil</b>" not in html.read_text()
    assert "&lt;b&gt;Evil&lt;/b&gt;" in html.read_text()
