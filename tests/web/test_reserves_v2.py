"""A v2 snapshot with reserves.json: the API, the static site and the page show the solvency
verdict per asset, as for v1 (one load path, solvent report's), and a reserves.json that is not
the one the signed manifest binds is refused at load.

The reserves are the demo's (a real anvil chain): ETH and USDT funded on chain with a 5 %
surplus and re-read by the server's own node at the pinned block, BTC declared (no Bitcoin
node), JPY an off-chain bank balance; nobody holds DOGE.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from solvent.protocol.errors import FileDigestMismatch, ManifestMismatch
from solvent.web.api import create_app
from solvent.web.catalog import load_catalog
from solvent.web.static_site import publish_static
from tests.web.conftest import V2_RESERVES_ID, ReservedV2, Server
from tests.web.test_page import shot

pytestmark = pytest.mark.integration

# Independent of the code under test: how the demo funds each asset (module docstring).
EXPECTED = {"BTC": "DECLARED", "ETH": "PASS", "USDT": "PASS", "JPY": "DECLARED"}


@pytest.fixture(scope="module")
def client(reserved_v2: ReservedV2) -> Iterator[TestClient]:
    catalog = load_catalog([reserved_v2.snapshot.directory], reserved_v2.settings)
    try:
        with TestClient(create_app(catalog)) as c:
            yield c
    finally:
        catalog.close()


def statuses(summary: dict[str, Any]) -> dict[str, str]:
    return {a["symbol"]: a["reserves"]["status"] for a in summary["assets"] if a["reserves"] is not None}


def test_the_v2_summary_has_the_verdict_per_asset(client: TestClient, reserved_v2: ReservedV2) -> None:
    listing = client.get("/api/snapshots").json()
    assert [(s["snapshot_id"], s["version"], s["reserves"]) for s in listing] == [(V2_RESERVES_ID, 2, True)]
    summary = client.get(f"/api/snapshots/{V2_RESERVES_ID}").json()
    assert {k: v for k, v in statuses(summary).items() if k in EXPECTED} == EXPECTED
    for line in summary["assets"]:  # each line's liabilities are that asset tree's root sum
        total = sum(a.holdings.get(line["symbol"], 0) for a in reserved_v2.snapshot.accounts)
        assert line["liabilities"] == str(total) == line["root"]["sum"]
        assert line["reserves"]["liabilities"] == str(total)
    solvency = summary["solvency"]
    assert solvency["wallets"] and all(w["valid"] for w in solvency["wallets"])
    assert [o["asset"] for o in solvency["offchain"]] == ["JPY"]
    report = client.get(f"/api/snapshots/{V2_RESERVES_ID}/reserves").json()
    assert report["snapshot_id"] == V2_RESERVES_ID
    assert {line["asset"]: line["status"] for line in report["assets"]} == statuses(summary)


def test_without_a_node_the_on_chain_balances_count_as_declared(reserved_v2: ReservedV2) -> None:
    catalog = load_catalog([reserved_v2.snapshot.directory])  # no --node: nothing re-read
    try:
        summary = next(iter(catalog)).summary()
    finally:
        catalog.close()
    assert statuses(summary)["ETH"] == "DECLARED"


def test_the_static_site_carries_the_same_verdict(reserved_v2: ReservedV2, tmp_path: Path) -> None:
    site = publish_static([reserved_v2.snapshot.directory], tmp_path / "site", settings=reserved_v2.settings)
    base = site.out / "data" / "s" / V2_RESERVES_ID
    summary = json.loads((base / "summary.json").read_text())
    assert {k: v for k, v in statuses(summary).items() if k in EXPECTED} == EXPECTED
    published = reserved_v2.snapshot.public / "reserves.json"
    assert (base / "reserves.json").read_bytes() == published.read_bytes()


def copy_of(snapshot: Path, tmp_path: Path) -> Path:
    out = tmp_path / snapshot.name
    shutil.copytree(snapshot, out)
    return out


def test_a_tampered_reserves_json_is_refused(reserved_v2: ReservedV2, tmp_path: Path) -> None:
    bad = copy_of(reserved_v2.snapshot.directory, tmp_path)
    reserves = bad / "public" / "reserves.json"
    reserves.write_bytes(reserves.read_bytes().replace(b"Demo Bank", b"Demo Bonk"))
    with pytest.raises(FileDigestMismatch):
        load_catalog([bad])
    reserves.unlink()  # bound in the signed manifest, so it cannot just go missing either
    with pytest.raises(ManifestMismatch, match=r"reserves\.json"):
        load_catalog([bad])


def test_an_unbound_reserves_json_is_refused(reserved_v2: ReservedV2, mixed: Any, tmp_path: Path) -> None:
    bad = copy_of(mixed.v2.directory, tmp_path)  # signed without reserves
    shutil.copyfile(reserved_v2.snapshot.public / "reserves.json", bad / "public" / "reserves.json")
    with pytest.raises(ManifestMismatch, match="not bound"):
        load_catalog([bad])


def test_the_page_shows_the_verdict_per_asset(page: Any, server_v2_reserves: Server) -> None:
    page.goto(server_v2_reserves.url)
    page.wait_for_selector("body[data-ready=true]")
    assert "Valid" in page.inner_text("#signature-status")
    rows = page.locator("#solvency-table tbody tr")
    shown = {
        rows.nth(i).locator("th").inner_text(): rows.nth(i).get_attribute("data-status") for i in range(rows.count())
    }
    assert {k: v for k, v in shown.items() if k in EXPECTED} == EXPECTED
    assert "Pass" in rows.nth(1).inner_text()  # ETH
    assert page.locator("#wallets-block").is_visible()
    assert "does not assess" not in page.inner_text("#reserves-note")
    shot(page, "12-v2-summary-desktop", "#summary")
    assert not page.errors and not page.console_errors
