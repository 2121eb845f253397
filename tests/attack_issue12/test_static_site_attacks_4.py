"""Fourth pass over the customer page, after the fixes of the third (every reserves figure from
checked amounts, every tree node from the signed root). The attacker is the site's publisher or
host: every unsigned file (summary.json, history.json) and every HTTP answer; the exchange's
signed files (snapshot.json, reserves.json) are its own. Each test states the secure behaviour."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from tests.attack_issue12.conftest import BASE, SID, Site, open_page, serve_edited
from tests.attack_issue12.test_static_site_attacks_2 import _exchange_signed

pytestmark = pytest.mark.integration

ADDRESS = "bc1qattackerpassfourwallet000000000000000"


def _signed_with(site: Site, wallets: list[dict[str, Any]], offchain: list[dict[str, str]]) -> dict[str, bytes]:
    """The exchange signs the snapshot with a reserves.json listing ``wallets`` and ``offchain``
    (the fields the page reads): the files a host serves in place of the real ones."""
    doc = {
        "format": "solvent-reserves/3",
        "signing_key": (site.root / BASE / "signing.pub").read_text().strip(),
        "wallets": wallets,
        "offchain": offchain,
    }
    reserves = (json.dumps(doc, indent=2) + "\n").encode()
    manifest = json.loads((site.root / BASE / "snapshot.json").read_bytes())
    manifest["files"]["reserves.json"] = hashlib.sha256(reserves).hexdigest()
    signed, sig = _exchange_signed(site, manifest)
    return {f"{BASE}snapshot.json": signed, f"{BASE}snapshot.json.sig": sig, f"{BASE}reserves.json": reserves}


def _line(a: dict[str, Any], observed: int, declared_onchain: int = 0, declared_offchain: int = 0) -> dict[str, Any]:
    """A reserves line whose result and ratios are exactly what its amounts give (solvency.py)."""
    owed = int(a["liabilities"])

    def ratio(n: int) -> str:
        if owed == 0:
            return "-"
        h = n * 10000 // owed
        return f"{h // 100}.{h % 100:02d}%"

    declared = declared_onchain + declared_offchain
    status = "PASS" if observed >= owed else "DECLARED" if observed + declared >= owed else "FAIL"
    return {
        "asset": a["symbol"],
        "decimals": a["decimals"],
        "liabilities": a["liabilities"],
        "status": status,
        "observed_reserves": str(observed),
        "declared_onchain": str(declared_onchain),
        "declared_offchain": str(declared_offchain),
        "ratio": ratio(observed),
        "ratio_with_declared": ratio(observed + declared),
        "by_chain": {},
    }


def _btc(summary: dict[str, Any]) -> dict[str, Any]:
    return next(a for a in summary["assets"] if a["symbol"] == "BTC")


def _wallet_row(amount: str) -> dict[str, Any]:
    """summary.json's row of the one wallet of the signed reserves.json."""
    return {
        "chain": "bitcoin",
        "chain_name": "Bitcoin",
        "address": ADDRESS,
        "label": "cold",
        "method": "BIP-322",
        "valid": True,
        "ownership_checked": True,
        "balances": [{"asset": "BTC", "amount": amount, "counted_as": "observed"}],
    }


def _show(page: Any, site: Site, files: dict[str, bytes]) -> None:
    serve_edited(page, site, files.get)
    open_page(page, site.url)
    page.wait_for_selector("#signature-status .badge.pass")  # the exchange's own signature
    page.wait_for_selector("#solvency-table tbody tr")


# --- S11: a PASS the signed reserves.json does not give ------------------------------------------


def test_no_pass_badge_from_off_chain_holdings_counted_as_observed(page: Any, site: Site) -> None:
    """The signed reserves.json lists no wallet, only off-chain holdings of each asset as large as
    its liabilities: `solvent report` gives DECLARED (off-chain holdings are never observed,
    solvency.py). summary.json counts them as observed and says PASS, 100 %; every figure is
    consistent with its own amounts and within the signed total. The page must not draw PASS:
    observed reserves cannot exceed what the signed file's wallets hold, and the off-chain part
    is exactly the signed off-chain entries."""
    summary = site.json(f"s/{SID}/summary.json")
    offchain = [
        {"asset": a["symbol"], "amount": a["liabilities"], "custodian": "Bank", "note": ""}
        for a in summary["assets"]
        if a["liabilities"] != "0"
    ]
    files = _signed_with(site, [], offchain)
    for a in summary["assets"]:
        a["reserves"] = _line(a, int(a["liabilities"]))
    files[f"{BASE}summary.json"] = json.dumps(summary).encode()
    _show(page, site, files)
    table = page.inner_text("#solvency-table")
    assert page.locator("#solvency-table tr[data-asset=BTC] .badge.pass").count() == 0, table


def test_no_pass_badge_from_a_declared_wallet_counted_as_observed(page: Any, site: Site) -> None:
    """The signed reserves.json lists one BTC wallet with `"block": null`: its balances were not
    read at any block, so `solvent report` counts them as declared only (BTC: DECLARED).
    summary.json counts them as observed and says PASS; the wallet row says so too. The page
    must not draw PASS from balances the signed file itself says no node read."""
    summary = site.json(f"s/{SID}/summary.json")
    btc = _btc(summary)
    wallet = {
        "chain": "bitcoin",
        "address": ADDRESS,
        "block": None,
        "balances": [{"asset": "BTC", "amount": btc["liabilities"]}],
    }
    files = _signed_with(site, [wallet], [])
    btc["reserves"] = _line(btc, int(btc["liabilities"]))
    summary["solvency"] = {"wallets": [_wallet_row(btc["liabilities"])], "offchain": [], "limitations": []}
    files[f"{BASE}summary.json"] = json.dumps(summary).encode()
    _show(page, site, files)
    table = page.inner_text("#solvency-table")
    assert page.locator("#solvency-table tr[data-asset=BTC] .badge.pass").count() == 0, table


def test_an_asset_left_out_of_the_summary_does_not_hide_its_fail(page: Any, site: Site) -> None:
    """The signed reserves.json holds one wallet with exactly the BTC owed, and nothing else:
    `solvent report` gives BTC PASS and every other owed asset FAIL. summary.json keeps the BTC
    line and writes `reserves: null` for the others. The page must not show the others as merely
    without a figure beside a PASS: either each shows FAIL, or no verdict is shown at all."""
    summary = site.json(f"s/{SID}/summary.json")
    btc = _btc(summary)
    wallet = {"chain": "bitcoin", "address": ADDRESS, "balances": [{"asset": "BTC", "amount": btc["liabilities"]}]}
    files = _signed_with(site, [wallet], [])
    btc["reserves"] = _line(btc, int(btc["liabilities"]))
    summary["solvency"] = {"wallets": [_wallet_row(btc["liabilities"])], "offchain": [], "limitations": []}
    files[f"{BASE}summary.json"] = json.dumps(summary).encode()
    _show(page, site, files)
    eth_result = page.inner_text("#solvency-table tr[data-asset=ETH] td.result")
    btc_pass = page.locator("#solvency-table tr[data-asset=BTC] .badge.pass").count()
    eth_fail = page.locator("#solvency-table tr[data-asset=ETH] .badge.fail").count()
    assert eth_fail == 1 or btc_pass == 0, (eth_result, page.inner_text("#headline"))


def test_one_signed_wallet_is_drawn_once(page: Any, site: Site) -> None:
    """The signed reserves.json lists one BTC wallet. summary.json lists it three times (the
    off-chain rows are matched as a multiset; wallet rows are not). The page must not draw more
    wallet rows than the signed file lists."""
    summary = site.json(f"s/{SID}/summary.json")
    btc = _btc(summary)
    wallet = {"chain": "bitcoin", "address": ADDRESS, "balances": [{"asset": "BTC", "amount": btc["liabilities"]}]}
    files = _signed_with(site, [wallet], [])
    btc["reserves"] = _line(btc, int(btc["liabilities"]))
    summary["solvency"] = {"wallets": [_wallet_row(btc["liabilities"])] * 3, "offchain": [], "limitations": []}
    files[f"{BASE}summary.json"] = json.dumps(summary).encode()
    _show(page, site, files)
    rows = page.locator(f"#wallets-table tbody tr[data-address='{ADDRESS}']").count()
    assert rows <= 1, (rows, page.inner_text("#wallets-summary"))


def test_per_chain_split_names_only_chains_of_the_signed_wallets(page: Any, site: Site) -> None:
    """The signed reserves.json holds all the BTC in one wallet on chain `bitcoin`. summary.json
    splits the observed BTC as held on `ethereum` ("Ethereum"), adding up exactly. The page must
    not draw a chain the signed file holds no BTC on."""
    summary = site.json(f"s/{SID}/summary.json")
    btc = _btc(summary)
    wallet = {
        "chain": "bitcoin",
        "address": ADDRESS,
        "block": {"height": 900000},
        "balances": [{"asset": "BTC", "amount": btc["liabilities"], "source": "observed"}],
    }
    files = _signed_with(site, [wallet], [])
    for a in summary["assets"]:  # every asset has its line: the others hold nothing (FAIL where owed)
        a["reserves"] = _line(a, 0)
    btc["reserves"] = _line(btc, int(btc["liabilities"]))
    btc["reserves"]["by_chain"] = {"ethereum": {"name": "Ethereum", "observed": btc["liabilities"], "declared": "0"}}
    summary["solvency"] = {"wallets": [_wallet_row(btc["liabilities"])], "offchain": [], "limitations": []}
    files[f"{BASE}summary.json"] = json.dumps(summary).encode()
    _show(page, site, files)
    page.wait_for_selector("#solvency-table tr[data-asset=BTC] .badge.pass")  # the signed file backs the PASS
    reserves = page.inner_text("#solvency-table tr[data-asset=BTC] td.reserves")
    assert page.locator("#solvency-table tr[data-asset=BTC] li[data-chain=ethereum]").count() == 0, reserves


# --- S12: the page without (or with a broken) summary.json ----------------------------------------


def test_a_null_summary_still_shows_the_signed_snapshot(page: Any, site: Site) -> None:
    """summary.json (not signed) is `null`. The page must still draw what the signed manifest
    gives (liabilities, root, look-up) and no reserves verdict, never "Something went wrong"."""
    serve_edited(page, site, {f"{BASE}summary.json": b"null"}.get)
    open_page(page, site.url)
    assert page.get_attribute("body", "data-ready") == "true", page.inner_text("#load-status")
    page.wait_for_selector("#solvency-table tr[data-asset=BTC]")


# --- history.json -------------------------------------------------------------------------------


def test_history_dates_are_the_signed_ones(page: Any, site: Site) -> None:
    """history.json re-dates the snapshot to 15 June 2031. The page draws it under the date its
    signed manifest gives (1 December 2026), or not at all."""
    doc = site.json("history.json")
    assert doc["snapshots"][0]["snapshot_id"] == SID
    doc["snapshots"][0]["taken_at"] = "2031-06-15T00:00:00Z"
    serve_edited(page, site, {"data/history.json": json.dumps(doc).encode()}.get)
    open_page(page, site.url)
    page.wait_for_selector("#history[data-ready=true]")
    page.click("#history .history-table summary")
    figures = page.inner_text("#history .history-table")
    assert "2031" not in figures, figures


# --- S10: `solvent serve`'s tree: the node names ------------------------------------------------


def test_served_children_are_named_by_their_place_under_the_signed_root(page: Any, site: Site, served: str) -> None:
    """The host answers the BTC root's children (hashes and sums unchanged, so they bind) with
    their indexes swapped and the left one called padding. The page must name a node by where
    it hangs: the left child of node i at level L is node 2i at level L-1, the right 2i+1, and
    a node is padding only past the tree's leaves."""
    signed = next(a for a in site.json(f"s/{SID}/snapshot.json")["assets"] if a["symbol"] == "BTC")
    top = signed["root"]["height"]

    def handle(route: Any) -> None:
        response = route.fetch()
        node = response.json()
        if node.get("level") == top and node.get("children"):
            left, right = node["children"]
            left["index"], right["index"] = right["index"], left["index"]
            left["padding"] = True
        route.fulfill(response=response, body=json.dumps(node))

    page.route(f"**/api/snapshots/{SID}/trees/BTC/**", handle)
    open_page(page, served)
    page.wait_for_selector("#signature-status .badge.pass")
    page.wait_for_selector("#tree-view[data-asset=BTC] .tree-node")
    page.click("#tree-view > li > .toggle")
    page.wait_for_selector(f"#tree-view li[data-level='{top - 1}'], #tree-note:not(:empty)", state="attached")
    children = page.locator(f"#tree-view > li > ul > li[data-level='{top - 1}']")
    if children.count():  # drawn: by their places
        assert children.nth(0).get_attribute("data-index") == "0"
        assert children.nth(1).get_attribute("data-index") == "1"
        assert "padding" not in (children.nth(0).get_attribute("class") or "")


def test_served_empty_tree_shows_only_the_signed_root(page: Any, site: Site, served: str) -> None:
    """DOGE is owed to nobody: its signed tree is the padding root, sum 0. The host answers its
    root as a node with 123456789 DOGE at level 3. The page must draw the signed root (hash and
    sum 0) or nothing."""
    signed = next(a for a in site.json(f"s/{SID}/snapshot.json")["assets"] if a["symbol"] == "DOGE")
    assert signed["root"]["leaf_count"] == 0

    def handle(route: Any) -> None:
        response = route.fetch()
        node = response.json() if response.ok else {}
        node.update(level=3, index=0, hash=FORGED, sums=["123456789"], padding=False)
        route.fulfill(status=200, body=json.dumps(node), content_type="application/json")

    page.route(f"**/api/snapshots/{SID}/trees/DOGE/**", handle)
    open_page(page, served)
    page.wait_for_selector("#signature-status .badge.pass")
    page.select_option("#tree-asset", "DOGE")
    page.wait_for_selector("#tree-view[data-asset=DOGE]", state="attached")
    nodes = page.locator("#tree-view .tree-node code.short")
    shown = [nodes.nth(i).get_attribute("title") for i in range(nodes.count())]
    assert FORGED not in shown, (shown, page.inner_text("#tree-view"))


FORGED = "cd" * 32
