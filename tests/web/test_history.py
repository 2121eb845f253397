"""History: the reserve ratio per asset across the snapshots, as data and as a chart.

Three snapshots with reserves (declared ones: no node) and different liabilities; the
document is the same from ``GET /api/history`` and a static site's ``data/history.json``,
its figures are ``solvent report --json``'s, and the page draws it, one palette colour
per asset, within a phone's width.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from solvent.pipeline.build import BuildRequest, build_snapshot
from solvent.protocol.amounts import format_units
from solvent.protocol.assets import parse_asset_list
from solvent.report.palette import palette
from solvent.web.api import create_app
from solvent.web.catalog import load_catalog
from solvent.web.history import catalog_history
from tests.cli_invoke import invoke
from tests.report.fixtures import SCENARIO_ASSETS, declared_attestation
from tests.reserves.scenario import EXCHANGE, write_keys
from tests.web.browser import PHONE
from tests.web.conftest import Server, StaticServer, serve_static, start_serve

pytestmark = pytest.mark.integration

ASSETS = parse_asset_list(SCENARIO_ASSETS)  # BTC:8, ETH:8, USDT:8, USD:2
DAYS = ("2026-11-21", "2026-11-22", "2026-11-23")


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    work = tmp_path_factory.mktemp("history")
    keys = write_keys(work / "keys")  # the key the scenario's challenges name
    out = []
    for n, day in enumerate(DAYS, start=1):
        ledger = work / f"ledger-{day}.csv"
        with ledger.open("w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["uid", *(a.symbol for a in ASSETS)])
            for i in range(6):
                units = (10_000_000 * n * (i + 1), 50_000_000 * n, (10 * n + i) * 10**8, 100)
                w.writerow([f"user-{i}", *(format_units(u, a.decimals) for u, a in zip(units, ASSETS, strict=True))])
        reserves = work / f"reserves-{day}.json"
        reserves.write_bytes(declared_attestation(day).to_json())
        request = BuildRequest(
            ledger=ledger, assets=ASSETS, snapshot_id=day, master_key_file=keys.master_key,
            signing_key_file=keys.signing_key, out=work / f"snap-{day}", exchange=EXCHANGE,
            taken_at=f"{day}T00:00:00Z", reserves=reserves,
        )
        build_snapshot(request)
        out.append(request.out)
    return out


@pytest.fixture(scope="module")
def site(snapshots: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    from solvent.web.static_site import publish_static

    out = tmp_path_factory.mktemp("history-site") / "site"
    publish_static(snapshots, out)
    with serve_static(out) as served_site:
        yield served_site


@pytest.fixture(scope="module")
def served(snapshots: list[Path]) -> Iterator[Server]:
    s = start_serve(snapshots)
    try:
        yield s
    finally:
        s.stop()


def test_the_api_and_the_static_site_give_the_same_document(snapshots: list[Path], site: StaticServer) -> None:
    catalog = load_catalog(snapshots)
    try:
        with TestClient(create_app(catalog)) as client:
            answer = client.get("/api/history")
            head = client.head("/api/history")
        expected = catalog_history(catalog)
    finally:
        catalog.close()
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert head.status_code == 200 and head.content == b""
    assert answer.json() == expected == json.loads((site.root / "data" / "history.json").read_text())
    assert [s["snapshot_id"] for s in expected["snapshots"]] == list(DAYS)  # oldest first
    assert expected["palette"] == list(palette())
    assert [(a["symbol"], a["colour"]) for a in expected["assets"]] == [
        (a.symbol, palette()[i]) for i, a in enumerate(ASSETS)
    ]


def test_the_figures_are_the_reports(snapshots: list[Path], site: StaticServer) -> None:
    """Each snapshot's liabilities, reserves, ratios and verdicts, as `solvent report --json` says them."""
    history = json.loads((site.root / "data" / "history.json").read_text())
    report = json.loads(invoke(["report", *snapshots, "--json"]).stdout)
    assert len(report["snapshots"]) == len(history["snapshots"]) == 3
    for mine, theirs in zip(history["snapshots"], report["snapshots"], strict=True):
        assert (mine["snapshot_id"], mine["taken_at"]) == (theirs["snapshot_id"], theirs["taken_at"])
        assert mine["reserves_published"] is True and mine["passed"] == theirs["passed"]
        for a, b in zip(mine["assets"], theirs["assets"], strict=True):
            assert a["symbol"] == b["asset"]
            assert a["liabilities"] == b["liabilities"] and a["observed_reserves"] == b["observed_reserves"]
            assert int(a["declared"]) == int(b["declared_onchain"]) + int(b["declared_offchain"])
            for key in ("ratio", "ratio_with_declared", "status"):
                assert a[key] == b[key], key
            if a["ratio_hundredths"] is not None:
                assert a["ratio"] == f"{a['ratio_hundredths'] // 100}.{a['ratio_hundredths'] % 100:02d}%"
    # the liabilities grow from one snapshot to the next: the chart has something to show
    eth = [next(a for a in s["assets"] if a["symbol"] == "ETH") for s in history["snapshots"]]
    assert len({a["liabilities"] for a in eth}) == 3 and len({a["ratio_with_declared"] for a in eth}) == 3


def chart(page: Any) -> dict[str, Any]:
    page.wait_for_selector("#history[data-ready='true'] svg.history-chart")
    return page.evaluate(
        """() => {
          const series = [...document.querySelectorAll('#history svg.history-chart g.series')];
          return {
            visible: !document.getElementById('history').hidden,
            series: series.map((g) => ({symbol: g.dataset.symbol, colour: g.getAttribute('stroke'),
                                        points: g.querySelectorAll('circle').length,
                                        line: g.querySelector('path') !== null})),
            legend: [...document.querySelectorAll('#history .history-legend li')].map((li) => li.textContent.trim()),
            rows: document.querySelectorAll('#history .history-table tbody tr').length,
            width: document.documentElement.scrollWidth,
          };
        }"""
    )


def assert_drawn(info: dict[str, Any]) -> None:
    assert info["visible"]
    assert [s["symbol"] for s in info["series"]] == [a.symbol for a in ASSETS]
    assert [s["colour"] for s in info["series"]] == list(palette()[: len(ASSETS)])  # one colour each, the palette's
    assert all(s["points"] == 3 and s["line"] for s in info["series"])
    assert [entry.split()[0] for entry in info["legend"]] == [a.symbol for a in ASSETS]
    assert info["rows"] == 3


@pytest.mark.parametrize("size", [None, PHONE], ids=["desktop", "phone"])
def test_the_chart_on_the_static_site(page: Any, site: StaticServer, size: dict[str, int] | None) -> None:
    if size:
        page.set_viewport_size(size)
    page.goto(site.url)
    info = chart(page)
    assert_drawn(info)
    width = size["width"] if size else page.viewport_size["width"]
    assert info["width"] <= width
    box = page.locator("#history svg.history-chart").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.errors == [] and page.console_errors == []


def test_the_chart_on_the_served_page(page: Any, served: Server) -> None:
    page.set_viewport_size(PHONE)
    page.goto(served.url)
    info = chart(page)
    assert_drawn(info)
    assert info["width"] <= PHONE["width"]
    assert page.errors == [] and page.console_errors == []
