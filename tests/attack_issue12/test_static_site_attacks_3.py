"""Third pass over the customer page, after the fixes of the second (one read of each snapshot.json,
the signature check of solvent verify, backedVerdicts). The attacker is the site's publisher or
host: every file and every HTTP answer. Each test states the secure behaviour (the findings of
this pass are fixed)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from tests.attack_issue12.conftest import BASE, SID, Site, open_page, serve_edited
from tests.attack_issue12.test_static_site_attacks_2 import _empty_reserves, _exchange_signed

pytestmark = pytest.mark.integration


def _signed_with_empty_reserves(site: Site) -> dict[str, bytes]:
    """The exchange signs the snapshot with a reserves.json that lists no wallet and nothing off
    chain (zero reserves of every asset): the files a host serves in place of the real ones."""
    reserves = _empty_reserves(site)
    manifest = json.loads((site.root / BASE / "snapshot.json").read_bytes())
    manifest["files"]["reserves.json"] = hashlib.sha256(reserves).hexdigest()
    signed, sig = _exchange_signed(site, manifest)
    return {f"{BASE}snapshot.json": signed, f"{BASE}snapshot.json.sig": sig, f"{BASE}reserves.json": reserves}


# --- S11: a verdict the counted reserves contradict ---------------------------------------------


def test_no_pass_badge_for_reserves_below_the_signed_liabilities(page: Any, site: Site) -> None:
    """The signed reserves.json lists nothing. summary.json counts exactly that (0 observed, 0
    declared: nothing beyond the signed file, so backedVerdicts lets it through) and says PASS,
    250 %, with the liabilities as the reserves shown. The signed files give FAIL, 0 %: a PASS
    needs observed >= liabilities (solvency.py AssetLine.status)."""
    files = _signed_with_empty_reserves(site)
    summary = site.json(f"s/{SID}/summary.json")
    for a in summary["assets"]:
        zero = "0" if a["decimals"] == 0 else "0." + "0" * a["decimals"]
        a["reserves"] = {
            "asset": a["symbol"],
            "decimals": a["decimals"],
            "status": "PASS",
            "liabilities": a["liabilities"],
            "observed_reserves": "0",
            "declared_onchain": "0",
            "declared_offchain": "0",
            "ratio": "250.00%",
            "ratio_with_declared": "250.00%",
            "display": {"observed_reserves": a["liabilities_display"], "declared": zero, "declared_offchain": zero},
            "by_chain": {},
        }
    files[f"{BASE}summary.json"] = json.dumps(summary).encode()
    serve_edited(page, site, files.get)
    open_page(page, site.url)
    page.wait_for_selector("#signature-status .badge.pass")  # the exchange's own signature
    page.wait_for_selector("#solvency-table tbody tr")
    assert page.locator("#solvency-table .badge.pass").count() == 0, page.inner_text("#solvency-table")


def test_history_draws_no_pass_for_reserves_below_the_signed_liabilities(page: Any, site: Site) -> None:
    """The same snapshot in history.json: 0 observed, 0 declared (within the signed reserves.json),
    PASS at 250 %."""
    files = _signed_with_empty_reserves(site)
    doc = site.json("history.json")
    snap = doc["snapshots"][0]
    assert snap["snapshot_id"] == SID
    snap.update(reserves_published=True, passed=True)
    for line in snap["assets"]:
        line.update(
            observed_reserves="0",
            declared="0",
            status="PASS",
            ratio="250.00%",
            ratio_hundredths=25000,
            ratio_with_declared="250.00%",
        )
    files["data/history.json"] = json.dumps(doc).encode()
    serve_edited(page, site, files.get)
    open_page(page, site.url)
    page.wait_for_selector("#history[data-ready=true]")
    page.click("#history .history-table summary")
    figures = page.inner_text("#history .history-table")
    points = page.locator("#history svg.history-chart circle").count()
    assert "Pass" not in figures and points == 0, (figures, points)


def test_no_pass_badge_for_amounts_that_are_not_canonical(page: Any, site: Site) -> None:
    """Held: counted amounts the spec does not allow (a leading zero, a sign, a fraction, 2^128, a
    number instead of a string) are no amounts: no verdict is shown, whatever the signed file lists."""
    files = _signed_with_empty_reserves(site)
    summary = site.json(f"s/{SID}/summary.json")
    bad: list[Any] = ["00", "-0", "0.0", str(1 << 128), 0]
    for a, amount in zip(summary["assets"], bad, strict=False):
        a["reserves"] = {
            "status": "PASS",
            "observed_reserves": amount,
            "declared_onchain": "0",
            "declared_offchain": "0",
            "ratio": "250.00%",
            "ratio_with_declared": "250.00%",
            "display": {"observed_reserves": "1", "declared": "0", "declared_offchain": "0"},
            "by_chain": {},
        }
    files[f"{BASE}summary.json"] = json.dumps(summary).encode()
    serve_edited(page, site, files.get)
    open_page(page, site.url)
    page.wait_for_selector("#signature-status .badge.pass")
    page.wait_for_selector("#solvency-table tbody tr")
    assert page.locator("#solvency-table .badge.pass").count() == 0, page.inner_text("#solvency-table")
    assert "No reserves verdict is shown" in page.inner_text("#headline"), page.inner_text("#headline")


# --- S10: `solvent serve` against the static site -------------------------------------------------


FORGED_ROOT = "ab" * 32


def test_the_served_full_tree_hangs_from_the_signed_root(page: Any, site: Site, served: str) -> None:
    """`solvent serve`'s host answers the tree endpoint of BTC with another root hash. The static
    site's page draws the signed manifest's root whatever the chunks hold
    (test_static_site_attacks_2.py::test_the_full_tree_hangs_from_the_signed_root); the served page
    must too (or refuse the node)."""
    signed = next(a for a in site.json(f"s/{SID}/snapshot.json")["assets"] if a["symbol"] == "BTC")

    def handle(route: Any) -> None:
        response = route.fetch()
        node = response.json()
        if node.get("level") == signed["root"]["height"]:
            node["hash"] = FORGED_ROOT
        route.fulfill(response=response, body=json.dumps(node))

    page.route(f"**/api/snapshots/{SID}/trees/BTC/**", handle)
    open_page(page, served)
    page.wait_for_selector("#signature-status .badge.pass")
    page.wait_for_selector("#tree-view[data-asset=BTC] .tree-node, #tree-note:not(:empty)", state="attached")
    nodes = page.locator("#tree-view .tree-node code.short")
    if nodes.count():
        shown = nodes.first.get_attribute("title")
        assert shown == signed["root"]["hash"], (shown, signed["root"]["hash"])
    else:  # refused: the note says so, naming the signed root
        assert signed["root"]["hash"] in page.inner_text("#tree-note")


def test_served_children_that_do_not_hash_to_their_parent_are_not_drawn(page: Any, site: Site, served: str) -> None:
    """The host keeps the signed root but answers its children with a changed sum: the page
    must not open the root onto nodes that are not the signed tree's."""
    signed = next(a for a in site.json(f"s/{SID}/snapshot.json")["assets"] if a["symbol"] == "BTC")
    top = signed["root"]["height"]

    def handle(route: Any) -> None:
        response = route.fetch()
        node = response.json()
        if node.get("level") == top and node.get("children"):
            node["children"][0]["sums"] = [str(int(node["children"][0]["sums"][0]) + 9)]
        route.fulfill(response=response, body=json.dumps(node))

    page.route(f"**/api/snapshots/{SID}/trees/BTC/**", handle)
    open_page(page, served)
    page.wait_for_selector("#signature-status .badge.pass")
    page.wait_for_selector("#tree-view[data-asset=BTC] .tree-node")
    page.click("#tree-view > li > .toggle")
    page.wait_for_selector("#tree-note:not(:empty)", state="attached")
    assert page.locator(f"#tree-view li[data-level='{top - 1}']").count() == 0
    assert "not opened" in page.inner_text("#tree-note")


# --- S10/S12: a look-up that finishes after the customer chose another snapshot -----------------

OLDER = "2026-11-v2"


@pytest.fixture(scope="module")
def two_snapshots(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A static site of two snapshots by the same exchange (same keys), newest first: the URL."""
    import shutil

    from solvent.web.static_site import publish_static
    from tests.web.conftest import serve_static
    from tests.web.snapshots_v2 import make_snapshot_v2

    work = tmp_path_factory.mktemp("attack12c-two")
    shutil.copytree(site.snapshot.directory.parent / "keys", work / "keys")
    older = make_snapshot_v2(work, snapshot_id=OLDER, taken_at="2026-11-01T00:00:00Z", seed=6)
    out = work / "site"
    publish_static([older.directory, site.snapshot.directory], out)
    with serve_static(out) as served:
        yield served.url


def test_a_look_up_never_lands_in_another_snapshot(page: Any, site: Site, two_snapshots: str) -> None:
    """The host holds the id shard of the newest snapshot's look-up until the customer has chosen
    the older snapshot and it has loaded. The newest snapshot's "Verified" result must not then be
    drawn under the older one, nor its proof go into the older snapshot's kit (whose README says
    to verify it against public/snapshot.json, another snapshot)."""
    from tests.attack_issue12.test_static_site_attacks import _download

    held: list[Any] = []

    def hold(route: Any) -> None:
        held.append(route)

    page.route(f"**/{BASE}ids/**", hold)
    open_page(page, two_snapshots)
    page.fill("#hashed-id", site.snapshot.account("alice").hashed_id)
    with page.expect_request(f"**/{BASE}ids/**"):
        page.click("#find-button")
    page.select_option("#snapshot-select", OLDER)
    page.wait_for_selector('#snapshot-time time[datetime="2026-11-01T00:00:00Z"]')
    page.wait_for_selector("#tree-view .tree-node")
    assert held
    for route in held:
        route.continue_()
    page.wait_for_selector("#find-button:not([disabled])")
    drawn = page.is_visible("#balance-result") and page.is_visible("#verify-banner.pass")
    downloads, status = _download(page)
    assert downloads, status
    with zipfile.ZipFile(io.BytesIO(downloads[0].path().read_bytes())) as z:
        proofs = [n for n in z.namelist() if "/proof-" in n]
        ids = [json.loads(z.read(n))["snapshot_id"] for n in proofs]
    assert not drawn and all(i == OLDER for i in ids), (drawn, page.inner_text("#verify-banner"), ids)


# --- S11: wallet badges the signed reserves.json does not list -----------------------------------

COLD = "bc1qexchangecoldwalletthatnobodysigned0000000000"


def test_no_wallet_badge_for_a_wallet_the_signed_reserves_do_not_list(page: Any, site: Site) -> None:
    """The signed reserves.json lists no wallet. summary.json counts no reserves for any asset
    (nothing beyond the signed file) but its solvency block shows a cold wallet holding
    1,000,000 BTC, ownership checked: "Yes"."""
    files = _signed_with_empty_reserves(site)
    summary = site.json(f"s/{SID}/summary.json")
    for a in summary["assets"]:
        a["reserves"] = None
    wallet = {
        "chain": "bitcoin",
        "chain_name": "Bitcoin",
        "address": COLD,
        "label": "cold storage",
        "scheme": "bip322",
        "method": "BIP-322 signature",
        "ownership_checked": True,
        "timing": "pinned",
        "observed": None,
        "key_bound": True,
        "valid": True,
        "block": {"height": 900000},
        "balances": [{"asset": "BTC", "amount": str(10**14), "display": "1000000.00000000", "counted_as": "observed"}],
    }
    summary["solvency"] = {"wallets": [wallet], "offchain": [], "limitations": ["Limitations:"], "checked_with": None}
    files[f"{BASE}summary.json"] = json.dumps(summary).encode()
    serve_edited(page, site, files.get)
    open_page(page, site.url)
    page.wait_for_selector("#signature-status .badge.pass")
    page.wait_for_selector("#solvency-table tbody tr")
    shown = page.locator(f'#wallets-table tr[data-address="{COLD}"] .badge.pass').count()
    assert shown == 0, page.text_content("#wallets-table")
