"""The customer's page fits a phone (390x844) and a desktop (1366x900), with 20 assets.

Over every step (summary, Find My Balance, Check, View Full Tree, Download Data, Verify a
proof file) the document is never wider than the viewport, and every verdict badge is
whole (nothing clipped, inside the viewport); on load the headline (are the assets backed)
and the Find My Balance input are in the first viewport. A tree of 17 levels keeps the
customer's leaf readable. axe-core (pinned in tools/node) finds no serious or critical
accessibility violation at any step.

The snapshot is a real v2 one of 20 assets (tests/web/snapshots_v2.py); its summary is
answered with reserves lines of every result (Pass, Declared only, Fail) and the wallet
kinds' solvency JSON, in the fields the server passes on: the page only renders them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from solvent.pipeline.lookup import proof_bytes
from solvent.protocol.amounts import format_signed_units, format_units
from solvent.protocol.assets import parse_asset_list
from solvent.report.render_json import report_to_dict
from solvent.report.solvency import format_ratio
from tests.report import wallet_kinds as kinds
from tests.web.browser import PHONE
from tests.web.conftest import Server, bind_reserves, listed_reserves, start_serve
from tests.web.snapshots_v2 import ASSETS_WIDE, SnapshotV2, ledger_wide, make_snapshot_v2
from tests.web.test_page import SHOTS

pytestmark = pytest.mark.integration

WIDE_ID = "2026-12-wide"
DEEP_ID = "2026-11-deep"
DESKTOP = {"width": 1366, "height": 900}
AXE = Path(__file__).parents[2] / "tools" / "node" / "node_modules" / "axe-core" / "axe.min.js"
#: Each asset's result, in turn: every kind of badge, and the long words among them.
RESULTS = ("PASS", "DECLARED", "FAIL", "PASS")


@dataclass(frozen=True)
class Wide:
    wide: SnapshotV2  # 20 assets, 60 accounts
    deep: SnapshotV2  # 1 asset, 65,538 accounts: a tree of 17 levels
    server: Server


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wide]:
    work = tmp_path_factory.mktemp("web-wide")
    snapshot = make_snapshot_v2(
        work, snapshot_id=WIDE_ID, taken_at="2026-12-01T00:00:00Z", assets=ASSETS_WIDE, rows=ledger_wide()
    )
    rows = {f"user-{i:06d}": {"BTC": 1 + i * 7919} for i in range(2**16 + 1)}
    rows["alice"] = {"BTC": 150_000_000}
    deep = make_snapshot_v2(
        work, snapshot_id=DEEP_ID, taken_at="2026-11-01T00:00:00Z", assets=parse_asset_list("BTC:8"), rows=rows
    )
    server = start_serve([deep.directory, snapshot.directory])
    try:
        yield Wide(snapshot, deep, server)
    finally:
        server.stop()


def reserves_line(symbol: str, decimals: int, liabilities: int, status: str) -> dict[str, Any]:
    """One asset's line as solvent.report.render_json writes it, for a result `status`."""
    observed = {"PASS": liabilities * 1049 // 1000, "DECLARED": liabilities * 8 // 10, "FAIL": liabilities * 9 // 10}
    declared = liabilities * 3 // 10 if status == "DECLARED" else 0
    seen = observed[status]
    ratio = format_ratio(Fraction(seen, liabilities) if liabilities else None)
    with_declared = format_ratio(Fraction(seen + declared, liabilities) if liabilities else None)

    def units(n: int) -> str:
        return format_signed_units(n, decimals)

    return {
        "asset": symbol,
        "decimals": decimals,
        "status": status,
        "liabilities": str(liabilities),
        "observed_reserves": str(seen),
        "declared_onchain": str(declared),
        "declared_offchain": "0",
        "surplus": str(seen - liabilities),
        "ratio": ratio,
        "ratio_with_declared": with_declared,
        "display": {
            "liabilities": units(liabilities),
            "observed_reserves": units(seen),
            "declared": units(declared),
            "declared_offchain": units(0),
            "surplus": units(seen - liabilities),
        },
        "by_chain": {
            "ethereum": {
                "name": "Ethereum",
                "observed": str(seen - seen // 3),
                "declared": str(declared),
                "display": {"observed": units(seen - seen // 3), "declared": units(declared)},
            },
            "bnb-smart-chain": {
                "name": "BNB Smart Chain",
                "observed": str(seen // 3),
                "declared": "0",
                "display": {"observed": units(seen // 3), "declared": units(0)},
            },
        },
    }


def serve_reserves(page: Any, snapshot: SnapshotV2) -> dict[str, str]:
    """Answer the snapshot's summary with a reserves line per asset (results in turn) and the
    wallet kinds' wallets, for a manifest signed with reserves.json bound (bind_reserves);
    returns each asset's result."""
    manifest = json.loads((snapshot.public / "snapshot.json").read_text())
    sums = {a["symbol"]: int(a["root"]["sum"]) for a in manifest["assets"]}
    results = {a.symbol: RESULTS[i % len(RESULTS)] for i, a in enumerate(snapshot.assets)}
    report = report_to_dict(kinds.report())

    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.json()
        for i, asset in enumerate(body["assets"]):
            symbol, decimals = asset["symbol"], snapshot.assets[i].decimals
            asset["reserves"] = reserves_line(symbol, decimals, sums[symbol], results[symbol])
        body["solvency"] = {k: report[k] for k in ("passed", "wallets", "offchain", "limitations")}
        route.fulfill(response=response, body=json.dumps(body))

    page.route(f"**/api/snapshots/{snapshot.snapshot_id}", handle)
    key = (snapshot.public / "signing.pub").read_text().strip()
    # Twice each asset's liabilities on each chain: enough for every figure reserves_line claims.
    bind_reserves(page, snapshot, listed_reserves(report, key, {s: 2 * n for s, n in sums.items()}))
    return results


def in_first_viewport(page: Any, selector: str) -> bool:
    return bool(
        page.eval_on_selector(
            selector,
            """e => { const r = e.getBoundingClientRect();
                return r.width > 0 && r.top >= 0 && r.left >= 0
                  && r.bottom <= innerHeight && r.right <= innerWidth; }""",
        )
    )


def assert_fits(page: Any, step: str) -> None:
    """No sideways scrolling, and every shown verdict badge whole and inside the viewport."""
    width = page.evaluate("innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{step}: wider than the viewport"
    clipped = page.evaluate(
        """() => [...document.querySelectorAll(".badge")]
            .filter((b) => b.getClientRects().length > 0)
            .filter((b) => { const r = b.getBoundingClientRect();
                return b.scrollWidth > b.clientWidth || r.left < 0 || r.right > innerWidth; })
            .map((b) => b.textContent)"""
    )
    assert clipped == [], f"{step}: clipped badges {clipped}"
    shown = page.evaluate(
        "() => [...document.querySelectorAll('.badge')].filter((b) => b.getClientRects().length).length"
    )
    assert shown > 0, step


def axe_violations(page: Any) -> list[str]:
    """axe-core over the whole document: each serious or critical violation, with where it is."""
    if page.evaluate("typeof axe") == "undefined":
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document);
            return { passes: r.passes.map((p) => p.id), violations: r.violations
              .filter((v) => v.impact === "serious" || v.impact === "critical")
              .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`) };
        }"""
    )
    # axe really looked: the rules this page is most likely to break were checked and passed.
    assert {"color-contrast", "label", "button-name"} <= set(found["passes"]), found["passes"]
    return list(found["violations"])


def steps(page: Any, w: Wide, tmp: Path) -> Iterator[str]:
    """Every step of the page, in a customer's order; each yields once it is shown."""
    alice = w.wide.account("alice")
    page.goto(w.server.url)
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#solvency-table tbody tr[data-status]")
    yield "summary"
    for name in ("snapshot-details", "wallets-block", "limits-block"):
        page.click(f"#{name} > summary")
    yield "summary-details"
    page.fill("#hashed-id", alice.hashed_id)
    page.click("#find-button")
    page.wait_for_selector("#verify-banner.pass")
    yield "find"
    page.click("#show-all-assets")
    yield "find-all"
    page.click("#balance-table .check-asset[data-asset=ETH]")
    page.wait_for_selector('#tree-view[data-asset=ETH] li.mine[data-level="0"]')
    yield "check"
    page.select_option("#tree-asset", "USDT")
    page.wait_for_selector("#tree-view[data-asset=USDT] > li")
    page.click("#expand-level")
    page.wait_for_function("() => document.querySelectorAll('#tree-view li').length >= 3")
    page.locator("#tree").scroll_into_view_if_needed()
    yield "tree"
    page.locator("#downloads").scroll_into_view_if_needed()
    yield "downloads"
    saved = tmp / "proof.json"
    saved.write_bytes(proof_bytes(w.wide.directory, alice.hashed_id))
    page.set_input_files("#proof-file", str(saved))
    page.wait_for_selector("#file-result .banner.pass")
    for summary in page.locator("#file-result details > summary").all():
        summary.click()
    yield "verify-file"


@pytest.fixture(params=["phone", "desktop"])
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return PHONE if request.param == "phone" else DESKTOP


@pytest.mark.parametrize("locale", ["en-US", "zh-CN", "es-ES"])
def test_every_step_fits_the_screen(
    browser: Any, browser_for: Any, wide: Wide, viewport: dict[str, int], locale: str, tmp_path: Path
) -> None:
    """In English, Chinese and Spanish (the browser's language): longer or wider words must fit too."""
    english = locale == "en-US"
    page = (browser if english else browser_for(locale)).new_page()
    page.set_viewport_size(viewport)
    kind = "phone" if viewport is PHONE else "desktop"
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        results = serve_reserves(page, wide.wide)
        for step in steps(page, wide, tmp_path):
            if step == "summary":
                # The customer's question first: the answer and the look-up, without scrolling.
                assert page.evaluate("scrollY") == 0
                assert in_first_viewport(page, "#headline"), kind
                assert in_first_viewport(page, "#hashed-id"), kind
                assert in_first_viewport(page, "#solvency-table tbody tr:first-child .badge"), kind
                SHOTS.mkdir(parents=True, exist_ok=True)
                if english:
                    text = page.inner_text("#headline")
                    counts = {r: list(results.values()).count(r) for r in ("PASS", "DECLARED", "FAIL")}
                    assert text == (
                        f"{counts['PASS']} of 20 assets backed by checked reserves; "
                        f"{counts['DECLARED']} covered only by declared amounts (not checked); "
                        f"{counts['FAIL']} not backed."
                    )
                    page.screenshot(path=str(SHOTS / f"13-wide-summary-{kind}.png"))  # the first screen
                else:
                    assert page.get_attribute("html", "lang") != "en"
                    if kind == "phone":
                        page.screenshot(path=str(SHOTS / f"16-wide-summary-phone-{locale[:2]}.png"))
            assert_fits(page, f"{kind} {step}")
        assert not errors
    finally:
        page.close()


def test_the_headline_never_calls_declared_a_pass(page: Any, wide: Wide) -> None:
    results = serve_reserves(page, wide.wide)
    page.goto(wide.server.url)
    page.wait_for_selector("#solvency-table tbody tr[data-status]")
    rows = page.locator("#solvency-table tbody tr")
    assert rows.count() == 20
    for i in range(20):
        row = rows.nth(i)
        symbol = row.locator("th").inner_text()
        assert row.get_attribute("data-status") == results[symbol]
        badge = row.locator(".badge").inner_text()
        assert badge == {"PASS": "✓ Pass", "DECLARED": "! Declared only", "FAIL": "✗ Fail"}[results[symbol]]
    assert "All" not in page.inner_text("#headline")


def test_amounts_are_readable_and_exact_one_tap_away(page: Any, wide: Wide) -> None:
    serve_reserves(page, wide.wide)
    page.goto(wide.server.url)
    page.wait_for_selector("body[data-ready=true]")
    alice = wide.wide.account("alice")
    page.fill("#hashed-id", alice.hashed_id)
    page.click("#find-button")
    page.wait_for_selector("#verify-banner.pass")
    # Held assets first, zero rows hidden, digits grouped and trailing zeros trimmed.
    shown = page.locator("#balance-table tbody tr:not([hidden])")
    assert shown.evaluate_all("rows => rows.map(r => r.dataset.asset)") == ["BTC", "ETH", "USDT"]
    amounts = shown.locator("data.amount")
    assert amounts.all_inner_texts() == ["1.5", "963,651,612.22129436", "2,500"]
    exact = [format_units(alice.holdings[s], d) for s, d in (("BTC", 8), ("ETH", 18), ("USDT", 6))]
    assert exact == ["1.50000000", "963651612.221294360000000000", "2500.000000"]
    assert amounts.evaluate_all("ds => ds.map(d => d.value)") == exact
    assert amounts.evaluate_all("ds => ds.map(d => d.title)") == [f"Exact: {e}" for e in exact]
    # One tap: every amount of the page exact, then readable again.
    page.click("#exact-amounts")
    assert amounts.all_inner_texts() == exact
    assert page.get_attribute("#exact-amounts", "aria-pressed") == "true"
    liabilities = page.locator("#solvency-table tr[data-asset=ETH] td.num data.amount").first
    assert liabilities.inner_text() == liabilities.get_attribute("value")
    page.click("#exact-amounts")
    assert amounts.all_inner_texts() == ["1.5", "963,651,612.22129436", "2,500"]
    assert page.locator("#zero-assets").is_visible() and "LINK" in page.inner_text("#zero-assets")


def test_the_filter_box_finds_an_asset_among_many(page: Any, wide: Wide) -> None:
    serve_reserves(page, wide.wide)
    page.goto(wide.server.url)
    page.wait_for_selector("#solvency-table tbody tr[data-status]")
    box = page.get_by_label("Filter assets")
    box.fill("eth")
    shown = page.locator("#solvency-table tbody tr:not([hidden])")
    assert shown.evaluate_all("rows => rows.map(r => r.dataset.asset)") == ["ETH", "WRAPPED-STETH"]
    assert page.inner_text("#asset-filter-count") == "2 of 20 assets shown"
    box.fill("nope")
    assert shown.count() == 0 and "No asset matches" in page.inner_text("#asset-filter-empty")
    box.fill("")
    assert shown.count() == 20


def test_cold_wallets_are_listed_once_with_their_assets(page: Any, wide: Wide) -> None:
    serve_reserves(page, wide.wide)
    page.goto(wide.server.url)
    page.wait_for_selector("#solvency-table tbody tr[data-status]")
    report = report_to_dict(kinds.report())
    rows = page.locator("#wallets-table tbody tr")
    assert rows.count() == len(report["wallets"]) + len(report["offchain"])
    addresses = rows.evaluate_all("rs => rs.map(r => r.dataset.address).filter(Boolean)")
    assert sorted(addresses) == sorted({w["address"] for w in report["wallets"]})  # each once
    assert f"Cold wallets ({rows.count()})" in page.inner_text("#wallets-summary")


def test_a_17_level_tree_fits_a_phone(browser: Any, wide: Wide) -> None:
    """Check and View Full Tree on a tree of 17 levels: the customer's leaf is as wide as a
    node near the root (no indent per level), its hash on one line, the page no wider than
    the phone."""
    page = browser.new_page()
    page.set_viewport_size(PHONE)
    try:
        page.goto(f"{wide.server.url}#snapshot={DEEP_ID}")
        page.wait_for_selector("body[data-ready=true]")
        alice = wide.deep.account("alice")
        page.fill("#hashed-id", alice.hashed_id)
        page.click("#find-button")
        page.wait_for_selector("#verify-banner.pass")
        page.click("#balance-table .check-asset[data-asset=BTC]")
        leaf = page.locator('#tree-view li.mine[data-level="0"] > .tree-body')
        leaf.wait_for()
        assert page.locator("#path-view > li").count() == 18  # the root and 17 levels below it
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        near_root = page.locator('#tree-view li.mine[data-level="14"] > .tree-body').bounding_box()
        box = leaf.bounding_box()
        assert box["x"] <= near_root["x"] + 1  # no further indent below level 14
        assert box["width"] >= 200
        code = leaf.locator("code")
        assert code.evaluate("c => c.getClientRects().length") == 1  # the hash on one line
        assert "Leaf" in leaf.inner_text() and "level 0" in leaf.inner_text()
        mine = page.locator("#path-view .node.mine").last
        assert mine.locator("code").evaluate("c => c.getClientRects().length") == 1
        assert mine.bounding_box()["width"] >= 150
        leaf.scroll_into_view_if_needed()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "15-deep-tree-phone.png"))  # the screen around the customer's leaf
    finally:
        page.close()


def test_no_serious_accessibility_violation_at_any_step(browser: Any, wide: Wide, tmp_path: Path) -> None:
    if not AXE.is_file():
        pytest.fail("axe-core is missing: run `make install` (tools/node)")
    page = browser.new_page()
    page.set_viewport_size(DESKTOP)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        serve_reserves(page, wide.wide)
        found = {step: axe_violations(page) for step in steps(page, wide, tmp_path)}
        assert {step: v for step, v in found.items() if v} == {}
        assert not errors
    finally:
        page.close()


def focused(page: Any) -> dict[str, Any]:
    """The focused element: its id, classes, asset, and whether its focus ring shows."""
    return dict(
        page.evaluate(
            """() => { const e = document.activeElement; const s = getComputedStyle(e);
                return { id: e.id, tag: e.tagName, cls: e.className, asset: e.dataset.asset ?? null,
                         ring: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2 }; }"""
        )
    )


def test_keyboard_only(page: Any, wide: Wide) -> None:
    """Find My Balance and Check with the keyboard alone, the focus ring always showing."""
    serve_reserves(page, wide.wide)
    page.goto(wide.server.url)
    page.wait_for_selector("body[data-ready=true]")
    page.keyboard.press("Tab")
    assert focused(page)["cls"] == "skip" and focused(page)["ring"]
    assert page.locator(".skip").bounding_box()["x"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "hashed-id"
    page.keyboard.type(wide.wide.account("alice").hashed_id)
    page.keyboard.press("Enter")
    page.wait_for_selector("#verify-banner.pass")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "find-button" and focused(page)["ring"]
    for _ in range(3):  # the banner is not a stop: the first asset's Check is next
        page.keyboard.press("Tab")
        if focused(page)["asset"] == "BTC":
            break
    assert focused(page) == {"id": "", "tag": "BUTTON", "cls": "check-asset", "asset": "BTC", "ring": True}
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#check').dataset.asset === 'BTC'")
    page.wait_for_selector('#tree-view[data-asset=BTC] li.mine[data-level="0"]')
    # The tree's toggles are buttons: Space opens one.
    toggle = page.locator("#tree-view > li > .toggle")
    toggle.focus()
    assert focused(page)["ring"]
    page.keyboard.press("Space")
    assert toggle.get_attribute("aria-expanded") == "false"  # it was open along the path: Space closed it
    page.keyboard.press("Space")
    page.wait_for_function("() => document.querySelector('#tree-view > li > .toggle').ariaExpanded === 'true'")
