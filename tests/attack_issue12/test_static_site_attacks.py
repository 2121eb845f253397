"""A cheating publisher of a static site (``solvent publish --static``) edits its files: the
shards and chunks the page assembles proofs from, summary.json, history.json, snapshots.json,
and the offline kit's verifier in data/. Each test states the secure behaviour; the ones
marked xfail are attacks that work today."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import PurePosixPath
from typing import Any

import pytest

from solvent.web.kit import verifier_source
from tests.attack_issue12.conftest import BASE, SID, Forged, Site, claimed_pass_summary, find, open_page, serve_edited

pytestmark = pytest.mark.integration


def test_a_dropped_holding_is_shown_at_zero(page: Any, site: Site) -> None:
    """Held up: a shard edited to drop alice's USDT position still verifies (threat L20), but the
    page names USDT as 0 without a click, as documented."""
    alice = site.snapshot.account("alice")
    digits = site.json(f"s/{SID}/layout.json")["prefix_digits"]
    shard_name = f"{BASE}ids/{alice.hashed_id[:digits]}.bin"
    shard = bytearray((site.root / shard_name).read_bytes())
    n = int.from_bytes(shard[:4], "big")
    p0 = int.from_bytes(shard[4:12], "big")
    ids = [bytes(shard[12 + 40 * k : 44 + 40 * k]).hex() for k in range(n)]
    at = ids.index(alice.hashed_id)
    start = p0 if at == 0 else int.from_bytes(shard[12 + 40 * at - 8 : 12 + 40 * at], "big")
    end = int.from_bytes(shard[12 + 40 * at + 32 : 12 + 40 * at + 40], "big")
    assert end - start == 2  # BTC and USDT
    head = 12 + 40 * n
    # Drop alice's last position: her end and every later account's end move down by one.
    del shard[head + 10 * (end - 1 - p0) : head + 10 * (end - p0)]
    for k in range(at, n):
        e = int.from_bytes(shard[12 + 40 * k + 32 : 12 + 40 * k + 40], "big") - 1
        shard[12 + 40 * k + 32 : 12 + 40 * k + 40] = e.to_bytes(8, "big")
    serve_edited(page, site, lambda p: bytes(shard) if p == shard_name else None)
    open_page(page, site.url)
    assert "pass" in find(page, alice.hashed_id)
    assert "USDT" in page.inner_text("#zero-assets")


def test_a_balance_in_an_unsigned_manifest_is_never_verified(page: Any, site: Site, forged: Forged) -> None:
    keep = {f"{BASE}snapshot.json.sig", f"{BASE}signing.pub"}

    def edit(path: str) -> bytes | None:
        if path.startswith(BASE) and path not in keep:
            return _forged_path(forged, path)
        return None

    serve_edited(page, site, edit)
    open_page(page, site.url)
    page.wait_for_selector("#signature-status .badge")
    assert "Invalid" in page.inner_text("#signature-status")
    alice = site.snapshot.account("alice")
    banner = find(page, alice.hashed_id)
    assert "15" in page.inner_text("#balance-table tr[data-asset=BTC]")  # the forged 15 BTC (signed: 1.5)
    assert "pass" not in banner.split(), page.inner_text("#verify-banner")


def _forged_path(forged: Forged, path: str) -> bytes | None:
    file = forged.root / path
    return file.read_bytes() if file.is_file() else None


def test_no_pass_badge_without_signed_reserves(page: Any, site: Site) -> None:
    manifest = json.loads((site.root / BASE / "snapshot.json").read_bytes())
    assert "reserves.json" not in manifest["files"]
    forged = claimed_pass_summary(site)
    serve_edited(page, site, lambda p: forged if p == f"{BASE}summary.json" else None)
    open_page(page, site.url)
    page.wait_for_selector("#solvency-table tbody tr")
    assert page.locator("#solvency-table .badge.pass").count() == 0, page.inner_text("#solvency-table")


def test_history_shows_no_pass_for_a_snapshot_without_signed_reserves(page: Any, site: Site) -> None:
    doc = site.json("history.json")
    snap = doc["snapshots"][0]
    assert snap["snapshot_id"] == SID and snap["reserves_published"] is False
    snap["reserves_published"] = True
    snap["passed"] = True
    for line in snap["assets"]:
        line.update(status="PASS", ratio="250.00%", ratio_hundredths=25000, ratio_with_declared="250.00%")
    body = json.dumps(doc).encode()
    serve_edited(page, site, lambda p: body if p == "data/history.json" else None)
    open_page(page, site.url)
    page.wait_for_selector("#history[data-ready=true]")
    page.click("#history .history-table summary")
    assert "Pass" not in page.inner_text("#history .history-table"), page.inner_text("#history .history-table")


def _download(page: Any) -> tuple[list[Any], str]:
    downloads: list[Any] = []

    def keep(download: Any) -> None:  # a function: Playwright cannot take a bound builtin
        downloads.append(download)

    page.on("download", keep)
    page.click("#kit-download")
    page.wait_for_selector("#kit-status:has-text('is saved'), #kit-status:has-text('could not be made')")
    return downloads, page.inner_text("#kit-status")


def test_the_kit_never_carries_a_verifier_solvent_did_not_build(page: Any, site: Site) -> None:
    fake = b'import sys\nprint("VALID: every hash and sum re-computes")\nsys.exit(0)\n'
    serve_edited(page, site, lambda p: fake if p == "data/solvent_verify.py" else None)
    open_page(page, site.url)
    downloads, status = _download(page)
    if not downloads:
        return  # refused: secure
    data = downloads[0].path().read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        (name,) = [n for n in z.namelist() if n.endswith("/solvent_verify.py")]
        assert z.read(name).decode("utf-8") == verifier_source(), status


EVIL = f"{SID}/../../../../../../tmp/solvent-kit-escape"


def test_the_kits_names_never_leave_its_folder(page: Any, site: Site) -> None:
    listing = site.json("snapshots.json")
    listing[0]["snapshot_id"] = EVIL
    body = json.dumps(listing).encode()
    evil_base = f"data/s/{EVIL}/"

    def edit(path: str) -> bytes | str | None:
        if path == "data/snapshots.json":
            return body
        if path.startswith(evil_base):
            return BASE + path[len(evil_base) :]
        return None

    serve_edited(page, site, edit)
    open_page(page, site.url)
    assert page.evaluate("document.body.dataset.ready") == "true"
    downloads, _ = _download(page)
    if not downloads:
        return  # refused: secure
    with zipfile.ZipFile(io.BytesIO(downloads[0].path().read_bytes())) as z:
        names = z.namelist()
    tops = {n.split("/")[0] for n in names}
    assert all(".." not in PurePosixPath(n).parts and not n.startswith("/") for n in names), names[:3]
    assert len(tops) == 1, tops


def test_the_commands_pin_the_key_the_page_checked(page: Any, site: Site) -> None:
    summary = site.json(f"s/{SID}/summary.json")
    real = (site.root / BASE / "signing.pub").read_text().strip()
    other = "ab" * 32
    assert real != other
    summary["signing_key"] = other
    body = json.dumps(summary).encode()
    serve_edited(page, site, lambda p: body if p == f"{BASE}summary.json" else None)
    open_page(page, site.url)
    page.wait_for_selector("#signature-status .badge.pass")
    codes = page.locator("#commands code")
    keyed = [codes.nth(i).inner_text() for i in range(codes.count()) if "--public-key" in codes.nth(i).inner_text()]
    assert keyed and all(f"--public-key {real}" in c for c in keyed), keyed
