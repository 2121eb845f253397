"""The page's cold wallets with every wallet kind: one row per wallet, its assets inside it,
how its ownership was checked and how its balances were read; each asset's reserves per chain.

No demo chain signs for a Bitcoin multisig, a Safe, an ERC-1271 contract or a Tron wallet
yet, so the server's summary is answered here with the solvency JSON that
:func:`solvent.report.render_json.report_to_dict` makes from hand-made re-checked reserves
of those kinds (tests/report/wallet_kinds.py): the page only renders that JSON.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from solvent.report.render_json import NOT_CHECKED, report_to_dict
from tests.report import wallet_kinds as kinds
from tests.web.browser import PHONE
from tests.web.conftest import NEWEST, Demo, Server, bind_reserves, listed_reserves
from tests.web.test_page import open_details

pytestmark = pytest.mark.integration


def serve_kinds(page: Any, demo: Demo) -> None:
    """Answer the newest snapshot's summary with the wallet kinds' report, in the fields the
    server passes on (solvent.web.catalog: each asset's report line, and the solvency part),
    its manifest signed binding a reserves.json that lists those wallets. The report is made
    against the snapshot's own liabilities: the page checks each result against them."""
    signed = json.loads((demo.newest.public / "snapshot.json").read_text())
    report = report_to_dict(kinds.report(tuple(int(v) for v in signed["root"]["sums"])))
    lines = {a["asset"]: a for a in report["assets"]}

    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.json()
        for asset in body["assets"]:
            asset["reserves"] = lines[asset["symbol"]]
        body["solvency"] = {k: report[k] for k in ("passed", "wallets", "offchain", "limitations")}
        route.fulfill(response=response, body=json.dumps(body))

    page.route(f"**/api/snapshots/{NEWEST}", handle)
    key = (demo.newest.public / "signing.pub").read_text().strip()
    bind_reserves(page, demo.newest, listed_reserves(report, key))


def open_kinds(page: Any, server: Server, demo: Demo) -> Any:
    serve_kinds(page, demo)
    page.goto(server.url)
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector(f'#wallets-table tr[data-address="{kinds.TRON}"]', state="attached")
    open_details(page, "wallets-block")  # one tap away, below the headline
    page.wait_for_selector(f'#wallets-table tr[data-address="{kinds.TRON}"]')
    return page.locator("#wallets-table tbody tr")


def row(page: Any, address: str) -> Any:
    found = page.locator(f'#wallets-table tbody tr[data-address="{address}"]')
    assert found.count() == 1  # each wallet once
    return found


def test_each_wallet_is_listed_once_with_all_its_assets(page: Any, server: Server, demo: Demo) -> None:
    rows = open_kinds(page, server, demo)
    assert rows.count() == 6  # five wallets and one off-chain holding
    safe = row(page, kinds.SAFE)
    assert safe.locator("ul.holdings li").evaluate_all("els => els.map(e => e.dataset.asset)") == ["ETH", "USDT"]
    text = safe.inner_text()
    assert "3 ETH" in text and "10 USDT" in text
    exact = safe.locator("ul.holdings data.amount").evaluate_all("ds => ds.map(d => d.value)")
    assert exact == ["3.00000000", "10.00000000"]
    assert "2-of-3 Safe, one EIP-191 signature per owner" in text
    assert "balances at the pinned block 21000000" in text and "Yes" in text
    assert "2-of-3 P2WSH multisig, one signature per key" in row(page, kinds.MULTISIG).inner_text()
    contract = row(page, kinds.ERC1271).inner_text()
    assert NOT_CHECKED in contract and "Not checked" in contract and "Yes" not in contract
    assert contract.startswith("BNB Smart Chain")  # the chain's display name
    assert "balances declared" in row(page, kinds.DECLARED).inner_text()
    assert not page.errors and not page.console_errors


def test_a_latest_reading_is_never_shown_as_a_pinned_block_reading(page: Any, server: Server, demo: Demo) -> None:
    open_kinds(page, server, demo)
    tron = row(page, kinds.TRON)
    timing = tron.locator(".timing")
    assert timing.inner_text() == f"balances {kinds.LATEST}"
    assert "latest" in (timing.get_attribute("class") or "")
    assert "at the pinned block 77000000" not in tron.inner_text()
    assert "TIP-191 v2 signature" in tron.inner_text()


def test_reserves_per_chain_per_asset(page: Any, server: Server, demo: Demo) -> None:
    open_kinds(page, server, demo)
    usdt = page.locator("#solvency-table tbody tr", has=page.locator("th", has_text="USDT"))
    chains = usdt.locator("ul.by-chain li")
    assert chains.evaluate_all("els => els.map(e => e.dataset.chain)") == ["ethereum", "tron"]
    assert chains.all_inner_texts() == ["Ethereum 10", "Tron 25"]
    assert chains.locator("data.amount").evaluate_all("ds => ds.map(d => d.value)") == ["10.00000000", "25.00000000"]
    eth = page.locator("#solvency-table tbody tr", has=page.locator("th", has_text="ETH")).locator("ul.by-chain li")
    assert eth.all_inner_texts() == ["Ethereum 3 + 0.25 declared", "BNB Smart Chain 0 + 0.5 declared"]
    assert eth.locator("data.amount").evaluate_all("ds => ds.map(d => d.value)") == [
        "3.00000000",
        "0.25000000",
        "0.00000000",
        "0.50000000",
    ]
    usd = page.locator("#solvency-table tbody tr", has=page.locator("th", has_text="USD")).last
    assert usd.locator("ul.by-chain li").all_inner_texts() == ["off-chain 70 declared"]
    assert usd.locator("ul.by-chain data.amount").get_attribute("value") == "70.00"


def test_wallet_kinds_fit_a_phone(browser: Any, server: Server, demo: Demo) -> None:
    page = browser.new_page()
    page.set_viewport_size(PHONE)
    try:
        open_kinds(page, server, demo)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    finally:
        page.close()
