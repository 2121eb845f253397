"""The customer's page on a v2 snapshot (one tree per asset), in Debian's Chromium, through
`solvent serve` and through `solvent publish --static` alike; a v1 snapshot served beside it
keeps v1's page.

alice holds 2 of the snapshot's 5 assets (BTC and USDT): she sees those two first, the other
three hidden until she asks for every asset; Check, View Full Tree and Download Data work per
asset; a proof changed on the way is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest

from solvent.pipeline.lookup import proof_bytes
from solvent.protocol.amounts import format_units
from tests.web.browser import open_page
from tests.web.conftest import V1_BESIDE_V2, V2_ID, Mixed, Server
from tests.web.test_page import open_details, readable, shot, shown_balances

pytestmark = pytest.mark.integration




def find(page: Any, hashed_id: str) -> None:
    page.fill("#hashed-id", hashed_id)
    page.click("#find-button")


def visible_rows(page: Any) -> list[tuple[str, str]]:
    rows = page.locator("#balance-table tbody tr:not([hidden])")
    return [
        (rows.nth(i).locator("th").inner_text(), rows.nth(i).locator("td").first.inner_text())
        for i in range(rows.count())
    ]


def manifest_of(mixed: Mixed) -> dict[str, Any]:
    return json.loads((mixed.v2.public / "snapshot.json").read_text())


def test_held_assets_first_zero_rows_hidden_and_show_all(page: Any, v2_site: str, mixed: Mixed) -> None:
    open_page(page, v2_site)
    assert page.inner_text("#account-count") == str(len(mixed.v2.accounts))
    manifest = manifest_of(mixed)
    open_details(page, "snapshot-details")
    roots = page.locator("#root-hash li")
    assert roots.count() == 5 and "Valid" in page.inner_text("#signature-status")
    assert [roots.nth(i).locator("code").inner_text() for i in range(5)] == [
        a["root"]["hash"] for a in manifest["assets"]
    ]
    alice = mixed.v2.account("alice")
    find(page, alice.hashed_id)
    page.wait_for_selector("#verify-banner.pass")
    assert "the proof has entries for 2 assets" in page.inner_text("#verify-banner")
    assert visible_rows(page) == [("BTC", "1.5"), ("USDT", "2,500")]
    assert shown_balances(page, "#balance-table tbody tr:not([hidden])")[1] == ["1.50000000", "2500.000000"]
    assert page.locator("#balance-table tbody tr[hidden]").count() == 3
    assert page.locator("#check-button").is_hidden()
    toggle = page.locator("#show-all-assets")
    assert toggle.is_visible() and "Show all 5 assets" in toggle.inner_text()
    shot(page, "8-v2-held-first-desktop", "#lookup")
    toggle.click()
    assert visible_rows(page) == [("BTC", "1.5"), ("USDT", "2,500"), ("ETH", "0"), ("JPY", "0"), ("DOGE", "0")]
    assert shown_balances(page, "#balance-table tbody tr:not([hidden])")[1] == [
        "1.50000000",
        "2500.000000",
        format_units(0, 18),
        "0",
        format_units(0, 8),
    ]
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()
    assert [r[0] for r in visible_rows(page)] == ["BTC", "USDT"]
    # The whale holds four: one zero row (DOGE, which nobody holds).
    find(page, mixed.v2.account("whale").hashed_id)
    page.wait_for_function("() => document.querySelectorAll('#balance-table tbody tr:not([hidden])').length === 4")
    assert [r[0] for r in visible_rows(page)] == ["BTC", "ETH", "USDT", "JPY"]
    assert "1 at zero" in toggle.inner_text()
    assert not page.errors and not page.console_errors


def test_check_per_asset_shows_that_entrys_path_and_tree(page: Any, v2_site: str, mixed: Mixed) -> None:
    open_page(page, v2_site)
    alice = mixed.v2.account("alice")
    proof = json.loads(proof_bytes(mixed.v2.directory, alice.hashed_id))
    find(page, alice.hashed_id)
    page.wait_for_selector("#verify-banner.pass")
    for entry in proof["entries"]:
        symbol, index, siblings = entry["symbol"], entry["index"], entry["siblings"]
        page.click(f"#balance-table .check-asset[data-asset={symbol}]")
        page.wait_for_function(f"() => document.querySelector('#check').dataset.asset === '{symbol}'")
        assert page.inner_text("#check-title") == f"Check — {symbol}"
        levels = page.locator("#path-view > li")
        height = entry["root"]["height"]
        assert levels.count() == height + 1
        assert page.locator("#path-view > li").first.locator("code").get_attribute("title") == entry["root"]["hash"]
        for k in range(height):  # every sibling, on its side of the customer's path
            pair = levels.nth(height - k).locator(".pair > .node")
            sides = [pair.nth(i).get_attribute("data-side") for i in range(2)]
            assert sides == (["sibling", "mine"] if (index >> k) & 1 else ["mine", "sibling"])
            sibling = pair.nth(0 if (index >> k) & 1 else 1)
            assert sibling.locator("code").get_attribute("title") == siblings[k]["hash"]
        # Its tree, opened down to the customer's leaf of that asset.
        page.wait_for_selector(f'#tree-view[data-asset={symbol}] li.mine[data-level="0"][data-index="{index}"]')
    shot(page, "9-v2-check-asset-desktop", "#check")
    shot(page, "10-v2-tree-asset-desktop", "#tree")
    assert page.locator(".check-asset").count() == 2  # no Check for an asset not held
    page.click("#check summary")
    page.fill("#owner-uid", alice.uid)
    page.fill("#owner-secret", alice.user_secret)
    page.click("#owner-form button")
    page.wait_for_selector("#owner-result.pass")
    assert not page.errors


def test_view_full_tree_and_download_data_per_asset(page: Any, v2_site: str, mixed: Mixed) -> None:
    open_page(page, v2_site)
    manifest = manifest_of(mixed)
    eth = next(a for a in manifest["assets"] if a["symbol"] == "ETH")
    page.select_option("#tree-asset", "ETH")
    page.wait_for_selector("#tree-view[data-asset=ETH] > li")
    assert eth["root"]["hash"] == page.locator("#tree-view > li > .tree-body code").get_attribute("title")
    page.locator("#tree-view > li > .toggle").click()
    page.wait_for_function("() => document.querySelectorAll('#tree-view li').length === 3")
    sums = page.locator("#tree-view > li > ul > li .sums").all_inner_texts()
    assert all(s.endswith(" ETH") for s in sums)
    # An empty tree (nobody holds DOGE) is its padding root.
    page.select_option("#tree-asset", "DOGE")
    page.wait_for_selector("#tree-view[data-asset=DOGE] > li.padding")

    alice = mixed.v2.account("alice")
    find(page, alice.hashed_id)
    page.wait_for_selector("#verify-banner.pass")
    page.click("#show-all-assets")
    page.click("#balance-table .tree-asset[data-asset=JPY]")  # not held: the tree, no leaf marked
    page.wait_for_selector("#tree-view[data-asset=JPY] > li")
    assert page.locator("#tree-view li.mine").count() == 0
    for symbol in ("USDT", "DOGE"):
        with page.expect_download() as info:
            page.click(f"#balance-table tr[data-asset={symbol}] a.csv-asset")
        data = info.value.path().read_bytes()
        assert info.value.suggested_filename == f"{symbol}.csv"
        assert data == (mixed.v2.public / "liabilities" / f"{symbol}.csv").read_bytes()
        assert hashlib.sha256(data).hexdigest() == manifest["files"][f"liabilities/{symbol}.csv"]
    shot(page, "11-v2-downloads-desktop", "#downloads")
    listed = page.locator("#asset-csvs li")
    assert listed.count() == 5
    assert manifest["files"]["liabilities/BTC.csv"] in listed.first.inner_text()
    assert "sha256sum public/liabilities/*.csv" in page.inner_text("#commands")
    assert not page.errors


def test_a_tampered_v2_proof_is_refused(page: Any, v2_site: str, mixed: Mixed) -> None:
    """Alice's BTC raised by 9 base units: in the proof the server sends, or (static site) in
    the leaf of the tree chunk the page assembles her proof from."""
    alice = mixed.v2.account("alice")

    def raise_btc(body: bytes) -> bytes:
        assert b'"amount": "150000000"' in body
        return body.replace(b'"amount": "150000000"', b'"amount": "150000009"')

    def raise_btc_leaf(body: bytes) -> bytes:  # a 48-byte record: hash || u128be(sum)
        old, new = (150000000).to_bytes(16, "big"), (150000009).to_bytes(16, "big")
        assert body.count(old) == 1
        return body.replace(old, new)

    def handle(route: Any) -> None:
        response = route.fetch()
        tamper = raise_btc if "/api/" in route.request.url else raise_btc_leaf
        route.fulfill(response=response, body=tamper(response.body()))

    page.route(re.compile(r".*/(proofs/.*|trees/BTC/0/0\.bin)$"), handle)
    open_page(page, v2_site)
    find(page, alice.hashed_id)
    page.wait_for_selector("#verify-banner.fail")
    text = page.inner_text("#verify-banner")
    assert "Not verified" in text and "root-mismatch" in text and "BTC" in text
    assert page.locator("#balance-table tbody tr").count() == 0
    assert not page.errors


def test_the_v1_snapshot_beside_keeps_its_page(page: Any, v2_site: str, mixed: Mixed) -> None:
    open_page(page, v2_site)
    page.select_option("#snapshot-select", V1_BESIDE_V2)
    page.wait_for_function("() => document.querySelector('#account-count').textContent === '5'")
    page.wait_for_selector("#tree-asset-label", state="hidden")
    manifest = json.loads((mixed.v1.public / "snapshot.json").read_text())
    open_details(page, "snapshot-details")
    assert page.inner_text("#root-hash code") == manifest["root"]["hash"]
    account = mixed.v1.accounts[1]
    find(page, account.hashed_id)
    page.wait_for_selector("#verify-banner.pass")
    assert shown_balances(page) == ([readable(b) for b in account.balances], list(account.balances))
    assert page.locator("#show-all-assets").is_hidden() and page.locator("#check-button").is_visible()
    page.click("#check-button")
    page.wait_for_selector('#tree-view li.mine[data-level="0"]')
    page.select_option("#snapshot-select", V2_ID)
    page.wait_for_selector("#tree-asset-label:not([hidden])")
    assert not page.errors


def test_verify_a_saved_v2_proof_file(page: Any, v2_site: str, mixed: Mixed, tmp_path: Any) -> None:
    open_page(page, v2_site)
    whale = mixed.v2.account("whale")
    data = proof_bytes(mixed.v2.directory, whale.hashed_id)
    saved = tmp_path / "proof-v2.json"
    saved.write_bytes(data)
    page.set_input_files("#proof-file", str(saved))
    page.wait_for_selector("#file-result .banner.pass")
    assert f"snapshot {V2_ID}" in page.inner_text("#file-result .banner")
    rows = page.locator("#file-result tbody tr").all_inner_texts()
    assert [r.split("\t")[0] for r in rows] == ["BTC", "ETH", "USDT", "JPY"]
    assert page.locator("#file-result details").count() == 4  # one path per held asset
    # The same proof with one sibling changed: refused, with the evidence.
    proof = json.loads(data)
    sibling = proof["entries"][1]["siblings"][0]
    sibling["hash"] = ("0" if sibling["hash"][0] != "0" else "1") + sibling["hash"][1:]
    changed = tmp_path / "changed-v2.json"
    changed.write_bytes(json.dumps(proof, indent=2).encode())
    page.set_input_files("#proof-file", str(changed))
    page.wait_for_selector("#file-result .banner.fail")
    assert "root-mismatch" in page.inner_text("#file-result") and "ETH" in page.inner_text("#file-result")
    assert not page.errors


def test_phone_width_v2(browser: Any, server_v2: Server, mixed: Mixed) -> None:
    from tests.web.browser import PHONE

    page = browser.new_page()
    page.set_viewport_size(PHONE)
    try:
        open_page(page, server_v2.url)
        find(page, mixed.v2.account("whale").hashed_id)
        page.wait_for_selector("#verify-banner.pass")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, "8-v2-held-first-phone", "#lookup")  # held assets first, before any scrolling
        page.click("#show-all-assets")
        page.click("#balance-table .check-asset[data-asset=ETH]")
        page.wait_for_selector('#tree-view[data-asset=ETH] li.mine[data-level="0"]')
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    finally:
        page.close()
