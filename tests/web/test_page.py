"""The customer's page, end to end in Debian's Chromium, on demo snapshots served by `solvent serve`.

Each step of the flow is driven as a customer would and saved as a screenshot under
docs/screenshots/ (desktop and phone width), which docs/web.md shows.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from solvent.pipeline.lookup import proof_bytes
from tests.conformance.vectors import DIR as VECTORS
from tests.conformance.vectors import load, materialise
from tests.web.browser import PHONE, launch, open_page
from tests.web.conftest import NEWEST, OLDER, Demo, Server

pytestmark = pytest.mark.integration

# `make screenshots` sets SOLVENT_SCREENSHOTS to refresh docs/screenshots/; otherwise the
# screenshots are still taken (the step must render) but land in a scratch folder, so a
# test run does not rewrite the committed images with fresh random keys.
SHOTS = (
    Path(__file__).parents[2] / "docs" / "screenshots"
    if os.environ.get("SOLVENT_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "solvent-screenshots"
)


def vector_file(name: str) -> dict[str, Any]:
    """A conformance vector's exact bytes as a file the customer picks, named NAME.json."""
    data = materialise(load(VECTORS / f"{name}.json").input)
    return {"name": name.rsplit("/", maxsplit=1)[-1] + ".json", "mimeType": "application/json", "buffer": data}


def shot(page: Any, name: str, selector: str | None = None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    if selector is None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    else:
        page.locator(selector).screenshot(path=str(SHOTS / f"{name}.png"))



def open_details(page: Any, *names: str) -> None:
    """Open the summary's folded details (a customer's tap on each): snapshot-details, wallets-block..."""
    for name in names:
        if page.get_attribute(f"#{name}", "open") is None:
            page.click(f"#{name} > summary")


def readable(exact: str) -> str:
    """How the page shows an exact decimal amount: digits grouped, trailing zeros of the fraction left off."""
    whole, _, fraction = exact.partition(".")
    fraction = fraction.rstrip("0")
    return f"{int(whole):,}" + (f".{fraction}" if fraction else "")


def shown_balances(page: Any, rows: str = "#balance-table tbody tr") -> tuple[list[str], list[str]]:
    """The balances a table shows (readable) and the exact values they carry, row by row."""
    amounts = page.locator(f"{rows} data.amount")
    return amounts.all_inner_texts(), amounts.evaluate_all("ds => ds.map(d => d.value)")


def find(page: Any, hashed_id: str) -> None:
    page.fill("#hashed-id", hashed_id)
    page.click("#find-button")


def test_summary_selector_reserves_and_wallets(page: Any, server: Server, demo: Demo) -> None:
    open_page(page, server.url)
    options = page.locator("#snapshot-select option").all_inner_texts()
    assert [o.split(" · ")[1] for o in options] == [NEWEST, OLDER]  # newest first
    manifest = json.loads((demo.newest.public / "snapshot.json").read_text())
    assert page.inner_text("#account-count") == "40"
    open_details(page, "snapshot-details", "wallets-block")
    assert page.inner_text("#root-hash code") == manifest["root"]["hash"]
    # The time as the browser's locale writes it (en-US here), in UTC; the exact value in <time datetime>.
    assert page.get_attribute("#snapshot-time time", "datetime") == demo.newest.taken_at
    shown = page.inner_text("#snapshot-time")
    day, clock = demo.newest.taken_at.rstrip("Z").split("T")
    assert day[:4] in shown and clock in shown and shown.endswith("UTC"), shown
    assert "Valid" in page.inner_text("#signature-status")  # Ed25519 checked by the browser itself
    rows = page.locator("#solvency-table tbody tr")
    assert rows.count() == 4
    status = {rows.nth(i).locator("th").inner_text(): rows.nth(i).get_attribute("data-status") for i in range(4)}
    assert status == {"BTC": "DECLARED", "ETH": "PASS", "USDT": "PASS", "USD": "DECLARED"}
    eth = rows.nth(1).inner_text()
    assert "Pass" in eth and "104." in eth
    wallets = page.locator("#wallets-table tbody tr")
    assert wallets.count() == 8  # one row per wallet: 2 ethereum, 4 bitcoin, 1 tron, and 1 off-chain holding
    first = wallets.nth(0)
    assert first.get_attribute("data-chain") == "ethereum" and "Yes" in first.inner_text()
    assert first.locator("ul.holdings li").count() == 2  # both its assets in its one row
    assert "balances at the pinned block" in first.inner_text()  # re-read by the server's own node
    shot(page, "1-summary-desktop", "#summary")
    assert not page.errors and not page.console_errors  # no failed request, no CSP violation


def test_a_snapshot_without_reserves_still_works(page: Any, server: Server, demo: Demo) -> None:
    open_page(page, server.url)
    page.select_option("#snapshot-select", OLDER)
    page.wait_for_function("() => document.querySelector('#account-count').textContent === '5'")
    assert "No reserves published" in page.inner_text("#solvency-table")
    assert page.locator("#wallets-block").is_hidden()
    account = demo.older.accounts[1]
    find(page, account.hashed_id)
    page.wait_for_selector("#verify-banner.pass")
    # A small tree shows fully: 2^(height+1) - 1 nodes for 5 accounts (height 3).
    page.wait_for_function("() => document.querySelectorAll('#tree-view li').length === 15")
    shot(page, "5-tree-small-desktop", "#tree")


def test_bad_input_gets_an_inline_message(page: Any, server: Server, demo: Demo) -> None:
    open_page(page, server.url)
    for text, says in [
        ("", "Paste your Hashed Client ID"),
        ("xyz", "“x” is not one of them"),
        ("ab" * 31, "this one has 62"),
        ("0x" + "a" * 62, "“x” is not one of them"),
    ]:
        find(page, text)
        page.wait_for_function("() => document.querySelector('#hashed-id-error').textContent !== ''")
        assert says in page.inner_text("#hashed-id-error")
        assert page.get_attribute("#hashed-id", "aria-invalid") == "true"
        assert page.locator("#balance-result").is_hidden()
    find(page, "ab" * 32)
    page.wait_for_function(
        "() => document.querySelector('#hashed-id-error').textContent.includes('not in this snapshot')"
    )
    assert page.locator("#balance-result").is_hidden()
    shot(page, "2-not-found-desktop", "#lookup")
    # Surrounding spaces and upper case are forgiven, as on the command line.
    find(page, f"  {demo.newest.accounts[0].hashed_id.upper()} ")
    page.wait_for_selector("#verify-banner.pass")
    assert not page.errors


def test_find_my_balance_check_the_path_and_the_owner(page: Any, server: Server, demo: Demo) -> None:
    open_page(page, server.url)
    alice = next(a for a in demo.newest.accounts if a.uid == "alice")
    find(page, alice.hashed_id)
    page.wait_for_selector("#verify-banner.pass")
    banner = page.inner_text("#verify-banner")
    assert "Verified in your browser" in banner and "WebCrypto" in banner
    assert shown_balances(page) == ([readable(b) for b in alice.balances], list(alice.balances))
    shot(page, "3-find-balance-desktop", "#lookup")

    page.click("#check-button")
    levels = page.locator("#path-view > li")
    height = json.loads((demo.newest.public / "snapshot.json").read_text())["root"]["height"]
    assert levels.count() == height + 1
    proof = json.loads(proof_bytes(demo.newest.directory, alice.hashed_id))
    index = proof["leaf"]["index"]
    for k in range(height):  # level k is item height - k; the customer's side follows bit k of the index
        pair = levels.nth(height - k).locator(".pair > .node")
        sides = [pair.nth(i).get_attribute("data-side") for i in range(2)]
        assert sides == (["sibling", "mine"] if (index >> k) & 1 else ["mine", "sibling"])
        sibling = pair.nth(0 if (index >> k) & 1 else 1).locator("code").get_attribute("title")
        assert sibling == proof["siblings"][k]["hash"]
    # The tree opened along the customer's path down to the leaf.
    page.wait_for_selector(f'#tree-view li.mine[data-level="0"][data-index="{index}"]')
    shot(page, "4-check-desktop", "#check")

    page.click("#check summary")
    page.fill("#owner-uid", alice.uid)
    page.fill("#owner-secret", alice.user_secret)
    page.click("#owner-form button")
    page.wait_for_selector("#owner-result.pass")
    bob = demo.newest.accounts[5]
    page.fill("#owner-uid", bob.uid)
    page.fill("#owner-secret", bob.user_secret)
    page.click("#owner-form button")
    page.wait_for_selector("#owner-result.fail")
    assert "id-mismatch" in page.inner_text("#owner-result")  # threat L8: a leaf shown to another customer
    assert not page.errors


def tamper_route(page: Any, pattern: str, change: Any) -> None:
    def handle(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=change(response.body()))

    page.route(pattern, handle)


def test_the_page_recomputes_and_does_not_trust_the_server(page: Any, server: Server, demo: Demo) -> None:
    alice = next(a for a in demo.newest.accounts if a.uid == "alice")

    def raise_balance(body: bytes) -> bytes:
        proof = json.loads(body)
        proof["leaf"]["amounts"][0] = str(int(proof["leaf"]["amounts"][0]) + 1)
        return json.dumps(proof).encode()

    tamper_route(page, re.compile(r".*/proofs/.*"), raise_balance)
    open_page(page, server.url)
    find(page, alice.hashed_id)
    page.wait_for_selector("#verify-banner.fail")
    text = page.inner_text("#verify-banner")
    assert "Not verified" in text and "root-mismatch" in text and "computed_hash" in text
    shot(page, "4-tampered-proof-desktop", "#lookup")

    page.unroute(re.compile(r".*/proofs/.*"))

    # A server that answers alice's look-up with another account's valid proof (a cheat
    # that points two customers at one leaf): the page checks the leaf is the id asked for.
    bob = next(a for a in demo.newest.accounts if a.uid != "alice")
    bobs = proof_bytes(demo.newest.directory, bob.hashed_id)
    tamper_route(page, re.compile(r".*/proofs/.*"), lambda _: bobs)
    open_page(page, server.url)
    find(page, alice.hashed_id)
    page.wait_for_selector("#verify-banner.fail")
    assert "id-mismatch" in page.inner_text("#verify-banner")
    page.unroute(re.compile(r".*/proofs/.*"))

    def other_root(body: bytes) -> bytes:  # a manifest that is not the signed one
        return body.replace(b'"leaf_count": 40', b'"leaf_count": 39')

    tamper_route(page, re.compile(r".*/files/snapshot\.json$"), other_root)
    open_page(page, server.url)
    assert "Invalid" in page.inner_text("#signature-status")
    find(page, alice.hashed_id)
    page.wait_for_selector("#verify-banner.fail")
    assert "manifest-mismatch" in page.inner_text("#verify-banner")


def test_view_full_tree_lazily(page: Any, server: Server, demo: Demo) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/tree/" in r.url else None)
    open_page(page, server.url)
    assert page.locator("#tree-view li").count() == 1  # 40 accounts: only the root at first
    root = page.locator("#tree-view > li")
    assert root.locator("> .toggle").get_attribute("aria-expanded") == "false"
    root.locator("> .toggle").click()
    page.wait_for_function("() => document.querySelectorAll('#tree-view li').length === 3")
    assert root.locator("> .toggle").get_attribute("aria-expanded") == "true"
    page.click("#expand-level")
    page.wait_for_function("() => document.querySelectorAll('#tree-view li').length === 7")
    page.click("#expand-level")
    page.wait_for_function("() => document.querySelectorAll('#tree-view li').length === 15")
    # The right part of a 40-leaf tree of height 6 is padding: shown, not expandable.
    assert page.locator("#tree-view li.padding").count() >= 1
    assert len(requests) == 1 + 1 + 2 + 4  # one request per opened node, never the whole tree
    shot(page, "5-tree-desktop", "#tree")
    root.locator("> .toggle").click()
    assert page.locator("#tree-view > li > ul").is_hidden()


def test_download_data_and_offline_commands(page: Any, server: Server, demo: Demo) -> None:
    open_page(page, server.url)
    manifest = json.loads((demo.newest.public / "snapshot.json").read_text())
    shown = page.inner_text("#csv-sha256")
    assert shown == manifest["files"]["liabilities.csv"]
    with page.expect_download() as info:
        page.click("#download-list a[href$='liabilities.csv']")
    data = Path(info.value.path()).read_bytes()
    assert info.value.suggested_filename == "liabilities.csv"
    assert hashlib.sha256(data).hexdigest() == shown
    assert data == (demo.newest.public / "liabilities.csv").read_bytes()
    for name in ["snapshot.json", "snapshot.json.sig", "signing.pub"]:
        with page.expect_download() as info:
            page.click(f"#download-list a[href$='/{name}']")
        assert Path(info.value.path()).read_bytes() == (demo.newest.public / name).read_bytes()
        assert info.value.suggested_filename == name

    account = demo.newest.accounts[3]
    find(page, account.hashed_id)
    page.wait_for_selector("#verify-banner.pass")
    with page.expect_download() as info:
        page.click("#proof-download")
    assert Path(info.value.path()).read_bytes() == proof_bytes(demo.newest.directory, account.hashed_id)
    commands = page.inner_text("#commands")
    key = (demo.newest.public / "signing.pub").read_text().strip()
    assert f"solvent verify proof-<id>.json --snapshot public/snapshot.json --public-key {key}" in commands
    assert "sha256sum public/liabilities.csv" in commands and f"solvent audit public --public-key {key}" in commands
    shot(page, "6-downloads-desktop", "#downloads")


def test_the_offline_kit_of_a_v1_snapshot(page: Any, server: Server, demo: Demo, tmp_path: Path) -> None:
    """v1: the kit runs with Python alone; the page's `solvent report`, with the verifier's own
    node for each chain the server read, gives the page's verdict per asset."""
    from tests.web.test_offline_kit_page import ISOLATED, commands, download_kit, run

    open_page(page, server.url)
    account = demo.newest.accounts[3]
    find(page, account.hashed_id)
    page.wait_for_selector("#verify-banner.pass")
    kit = download_kit(page, tmp_path, demo.newest.snapshot_id)
    key = (demo.newest.public / "signing.pub").read_text().strip()
    proof = f"proof-{account.hashed_id[:16]}.json"
    assert (kit / proof).read_bytes() == proof_bytes(demo.newest.directory, account.hashed_id)
    assert (kit / "public" / "tree" / "ids.bin").read_bytes() == (demo.newest.public / "tree" / "ids.bin").read_bytes()
    assert run(kit, "verify", proof, "--snapshot", "public/snapshot.json", "--public-key", key).returncode == 0
    audited = run(kit, "audit", "public", "--public-key", key)
    assert audited.returncode == 0 and audited.stdout.startswith("AUDIT PASSED"), audited.stderr
    assert ISOLATED[1:] == ("-I", "-S")
    rows = page.locator("#solvency-table tbody tr")
    shown = {
        rows.nth(i).locator("th").inner_text(): rows.nth(i).get_attribute("data-status") for i in range(rows.count())
    }
    report_cmd = next(c for c in commands(page) if c.startswith("solvent report"))
    options = demo.node_options
    nodes = {v.split("=", 1)[0]: v for k, v in zip(options[::2], options[1::2], strict=True) if k == "--node"}
    words = [nodes[w.split("=", 1)[0]] if w.endswith("=URL") else w for w in report_cmd.split()[1:]]
    report = json.loads(run(kit, *words, "--json", isolated=False).stdout)
    statuses = {line["asset"]: line["status"] for line in report["snapshots"][0]["assets"]}
    assert shown and {k: v for k, v in statuses.items() if k in shown} == shown


def drop_file(page: Any, name: str, data: bytes) -> None:
    """Drop a file on the drop zone as a customer dragging it from their desktop would."""
    page.evaluate(
        """({name, bytes}) => {
          const dt = new DataTransfer();
          dt.items.add(new File([new Uint8Array(bytes)], name, {type: "application/json"}));
          document.querySelector("#drop-zone").dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true}));
        }""",
        {"name": name, "bytes": list(data)},
    )


def test_verify_a_saved_proof_file(page: Any, server: Server, demo: Demo, tmp_path: Path) -> None:
    open_page(page, server.url)
    account = demo.newest.accounts[7]
    saved = tmp_path / "proof.json"
    saved.write_bytes(proof_bytes(demo.newest.directory, account.hashed_id))
    page.set_input_files("#proof-file", str(saved))
    page.wait_for_selector("#file-result .banner.pass")
    assert f"snapshot {NEWEST}" in page.inner_text("#file-result .banner")
    assert page.locator("#file-result .path > li").count() == 7
    shot(page, "7-verify-file-desktop", "#verify-file")

    # Dropped, a proof of the older snapshot is checked against that snapshot's manifest.
    older = proof_bytes(demo.older.directory, demo.older.accounts[0].hashed_id)
    drop_file(page, "older.json", older)
    page.wait_for_function("() => document.querySelector('#file-result').textContent.includes('older.json')")
    page.wait_for_selector("#file-result .banner.pass")
    assert f"snapshot {OLDER}" in page.inner_text("#file-result .banner")

    # A valid proof of another tree under the same snapshot id: rejected against the served manifest (L12, L15).
    drop_file(page, "kat.json", vector_file("proof/valid-kat-1")["buffer"])
    page.wait_for_function("() => document.querySelector('#file-result').textContent.includes('kat.json')")
    page.wait_for_selector("#file-result .banner.fail")
    assert "manifest-mismatch" in page.inner_text("#file-result")
    # A proof for a snapshot this site does not publish: consistent, but loudly not anchored.
    drop_file(page, "single.json", vector_file("proof/valid-single-leaf")["buffer"])
    page.wait_for_function("() => document.querySelector('#file-result').textContent.includes('single.json')")
    page.wait_for_selector("#file-result .banner.warn")
    assert "not anchored" in page.inner_text("#file-result")
    for name in ["invalid-duplicate-key.json", "invalid-maxwell-forgery.json", "invalid-not-utf8.json"]:
        expected = load(VECTORS / "proof" / name).error
        page.set_input_files("#proof-file", vector_file(f"proof/{name.removesuffix('.json')}"))
        page.wait_for_function(f"() => document.querySelector('#file-result').textContent.includes('{name}')")
        page.wait_for_selector("#file-result .banner.fail")
        assert f"({expected})" in page.inner_text("#file-result"), name
        assert "null" not in page.inner_text("#file-result .banner")
    shot(page, "7-verify-file-rejected-desktop", "#verify-file")
    assert not page.errors


def test_phone_width(browser: Any, server: Server, demo: Demo) -> None:
    page = browser.new_page()
    page.set_viewport_size(PHONE)
    try:
        open_page(page, server.url)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
        shot(page, "1-summary-phone", "#summary")
        alice = next(a for a in demo.newest.accounts if a.uid == "alice")
        find(page, alice.hashed_id)
        page.wait_for_selector("#verify-banner.pass")
        shot(page, "3-find-balance-phone", "#lookup")
        page.click("#check-button")
        page.wait_for_selector('#tree-view li.mine[data-level="0"]')
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, "4-check-phone", "#check")
        shot(page, "5-tree-phone", "#tree")
        shot(page, "6-downloads-phone", "#downloads")
        find(page, "not hex")
        shot(page, "2-bad-input-phone", "#lookup")
        page.set_input_files("#proof-file", vector_file("proof/invalid-sibling-hash-flipped"))
        page.wait_for_selector("#file-result .banner.fail")
        shot(page, "7-verify-file-phone", "#verify-file")
    finally:
        page.close()


def test_insecure_context_falls_back_to_noble(playwright: Any, server: Server, demo: Demo) -> None:
    """Over plain http at a non-loopback name there is no crypto.subtle: the vendored @noble/hashes verifies."""
    with launch(playwright, [f"--host-resolver-rules=MAP solvent.test {server.host}"]) as context:
        page = context.new_page()
        open_page(page, f"http://solvent.test:{server.port}/")
        assert page.evaluate("window.isSecureContext") is False
        assert page.evaluate("globalThis.crypto.subtle === undefined")
        assert "Not checked here" in page.inner_text("#signature-status")  # never claimed without a check
        find(page, demo.newest.accounts[2].hashed_id)
        # The proof re-computes (with noble), but the manifest's signature was not checked here:
        # never "verified", at most consistent but not anchored.
        page.wait_for_selector("#verify-banner.warn")
        banner = page.inner_text("#verify-banner")
        assert "@noble/hashes 2.4.0" in banner and "not anchored" in banner and "signed manifest" not in banner
