"""Second pass over a static site (``solvent publish --static``) whose publisher edits its files,
after the fixes of threat rows S10-S12. Each test states the secure behaviour; the ones marked
xfail are attacks that still work."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from tests.attack_issue12.conftest import BASE, SID, Forged, Site, claimed_pass_summary, find, open_page, serve_edited

pytestmark = pytest.mark.integration



def _forged_file(forged: Forged, path: str) -> bytes | None:
    file = forged.root / path
    return file.read_bytes() if file.is_file() else None


def _exchange_signed(site: Site, manifest: dict[str, Any]) -> tuple[bytes, bytes]:
    """``manifest`` as the exchange would sign it (its own key): the bytes and the .sig file."""
    from solvent.publish.keys import load_signing_key, sign

    body = (json.dumps(manifest, indent=2) + "\n").encode()
    signature = sign(load_signing_key(site.snapshot.directory.parent / "keys" / "signing.key"), body)
    return body, (signature + "\n").encode()


# --- S11: the history chart --------------------------------------------------------------------

OLDER = "2026-11-v2"


def test_history_draws_no_verdict_from_an_unsigned_manifest(page: Any, site: Site) -> None:
    """history.json adds an older snapshot that was never published: its only file is a
    snapshot.json nobody signed (no .sig, no signing.pub), naming a reserves.json by a made-up
    digest. The chart must not show its 250 % PASS: no signature, no verdict."""
    doc = site.json("history.json")
    older = copy.deepcopy(doc["snapshots"][0])
    older.update(snapshot_id=OLDER, taken_at="2026-11-01T00:00:00Z", reserves_published=True, passed=True)
    for line in older["assets"]:
        line.update(status="PASS", ratio="250.00%", ratio_hundredths=25000, ratio_with_declared="250.00%")
    doc["snapshots"].insert(0, older)  # oldest first
    history = json.dumps(doc).encode()
    manifest = json.loads((site.root / BASE / "snapshot.json").read_bytes())
    manifest.update(snapshot_id=OLDER, taken_at="2026-11-01T00:00:00Z")
    manifest["files"]["reserves.json"] = "ab" * 32
    unsigned = (json.dumps(manifest, indent=2) + "\n").encode()

    def edit(path: str) -> bytes | None:
        if path == "data/history.json":
            return history
        if path == f"data/s/{OLDER}/snapshot.json":
            return unsigned
        return None

    serve_edited(page, site, edit)
    open_page(page, site.url)
    page.wait_for_selector("#history[data-ready=true]")
    page.click("#history .history-table summary")
    figures = page.inner_text("#history .history-table")
    points = page.locator("#history svg.history-chart circle").count()
    assert "Pass" not in figures and points == 0, (figures, points)


# --- S10: the key the page checks with ----------------------------------------------------------

# The neutral point of edwards25519 (y = 1), a small-order key, and the signature R = neutral,
# S = 0: [0]B == R + [k]A holds for every message. docs/spec.md §5 refuses small-order keys
# (solvent.protocol.ed25519 step 4); "0g" pairs are the same key to the page's fromHex (parseInt).
NEUTRAL_SIG = "01" + "00" * 63
SMALL_ORDER_KEYS = {
    "hex": "01" + "00" * 31,
    "not-hex": "01" + "0g" * 31,
}


@pytest.mark.parametrize("key_text", list(SMALL_ORDER_KEYS.values()), ids=list(SMALL_ORDER_KEYS))
def test_a_small_order_key_never_signs_a_manifest(page: Any, site: Site, forged: Forged, key_text: str) -> None:
    from solvent.protocol.ed25519 import verify
    from solvent.protocol.errors import BadSignature

    manifest = _forged_file(forged, f"{BASE}snapshot.json")
    assert manifest is not None
    with pytest.raises(BadSignature):  # what solvent verify / audit answer for this pair
        verify(bytes.fromhex(SMALL_ORDER_KEYS["hex"]), manifest, bytes.fromhex(NEUTRAL_SIG))

    def edit(path: str) -> bytes | None:
        if path == f"{BASE}signing.pub":
            return (key_text + "\n").encode()
        if path == f"{BASE}snapshot.json.sig":
            return (NEUTRAL_SIG + "\n").encode()
        if path.startswith(BASE):
            return _forged_file(forged, path)
        return None

    serve_edited(page, site, edit)
    open_page(page, site.url)
    page.wait_for_selector("#signature-status .badge")
    status = page.inner_text("#signature-status")
    banner = find(page, site.snapshot.account("alice").hashed_id)
    assert page.locator("#signature-status .badge.pass").count() == 0, status
    assert "pass" not in banner.split(), page.inner_text("#verify-banner")


# What signing.pub holds -> the why the page gives for "Invalid", and whether the key is shown.
KEY_FILES = {
    "not-hex": (("01" + "0g" * 31 + "\n").encode(), "64 lower-case hex digits", False),
    "no-break-space": ("\u00a0{key}\u00a0\n", "64 lower-case hex digits", False),
    # A byte-order mark (not ASCII: Python refuses it), which a text decoder would drop unseen.
    "byte-order-mark": ("\ufeff{key}\n", "64 lower-case hex digits", False),
    "private-key": (b"solvent signing key v1\n" + b"5e" * 32 + b"\n", "holds a private key", False),
    "small-order": (("01" + "00" * 31 + "\n").encode(), "small order", True),
}


@pytest.mark.parametrize("name", list(KEY_FILES))
def test_a_refused_key_says_why_and_shows_no_text_it_did_not_check(page: Any, site: Site, name: str) -> None:
    """The page reads signing.pub as solvent verify does (protocol/js/signature.js): a key text that
    is not one line of 64 lower-case hex digits is "Invalid" with its reason, never "Not checked
    here", and is not shown (it may be a secret); a strict-form key it refuses is shown as checked."""
    real = (site.root / BASE / "signing.pub").read_text().strip()
    data, why, shown = KEY_FILES[name]
    body = data.replace("{key}", real).encode() if isinstance(data, str) else data

    def edit(path: str) -> bytes | None:
        return body if path == f"{BASE}signing.pub" else None

    serve_edited(page, site, edit)
    open_page(page, site.url)
    page.wait_for_selector("#signature-status .badge")
    assert page.locator("#signature-status .badge.fail").count() == 1, page.inner_text("#signature-status")
    text = page.text_content("#signing-key") or ""  # in a closed section: its text, not what is drawn
    assert why in text and "Invalid" in text, text
    hex_shown = body.decode("utf-8").strip().removeprefix("solvent signing key v1").strip()
    assert (hex_shown in text) is shown, text
    assert ("Key not shown" in text) is not shown, text


# --- S10: the manifest drawn is not the manifest whose signature was checked --------------------


def test_the_manifest_verified_against_is_the_one_whose_signature_was_checked(
    page: Any, site: Site, forged: Forged
) -> None:
    """No interaction, one snapshot: the host answers the page's first read of snapshot.json with
    the forged manifest (alice's BTC x10, not signed by anyone), the second (the signature check's)
    with the genuine one, and the forged shards and chunks; the signature file and key are the
    exchange's own."""
    reads: list[str] = []

    def edit(path: str) -> bytes | None:
        if path == f"{BASE}snapshot.json":
            reads.append(path)
            return None if len(reads) == 2 else _forged_file(forged, path)
        if path == "data/history.json":
            return b"{}"  # no chart: no other reader of snapshot.json
        if path in {f"{BASE}snapshot.json.sig", f"{BASE}signing.pub"}:
            return None
        if path.startswith(BASE):
            return _forged_file(forged, path)
        return None

    serve_edited(page, site, edit)
    open_page(page, site.url)
    page.wait_for_selector("#signature-status .badge")
    status = page.inner_text("#signature-status")
    banner = find(page, site.snapshot.account("alice").hashed_id)
    btc = page.inner_text("#balance-table tr[data-asset=BTC]") if "pass" in banner.split() else ""
    assert "pass" not in banner.split(), (status, page.inner_text("#verify-banner"), btc)


# --- S10: a verdict drawn with one snapshot's signature over another's manifest -----------------

DECOY = "2026-12-v2-b"


def test_a_balance_is_verified_only_against_the_manifest_whose_signature_was_checked(
    page: Any, site: Site, forged: Forged
) -> None:
    """The listing puts a decoy first: the forged ledger (alice's BTC x10) whose manifest does not
    match the exchange's signature (the page says Invalid). The customer picks the real snapshot;
    its summary.json never arrives; the customer looks up their id meanwhile. The real snapshot's
    manifest is genuine while the snapshot loads, and its signature checks; later reads of it (the
    proof's assembly), and its shards and chunks, are the forged ones."""
    listing = site.json("snapshots.json")
    decoy_entry = {**listing[0], "snapshot_id": DECOY}
    body = json.dumps([decoy_entry, *listing]).encode()
    decoy_base = f"data/s/{DECOY}/"
    genuine = {f"{BASE}snapshot.json.sig", f"{BASE}signing.pub"}
    held: list[Any] = []
    manifests: list[str] = []  # the real snapshot's snapshot.json and layout.json, as asked for

    def handle(route: Any) -> None:
        path = unquote(urlparse(route.request.url).path).lstrip("/")
        answer: bytes | None = None
        if path == "data/snapshots.json":
            answer = body
        elif path == "data/history.json":
            route.fulfill(status=404, body="not found")
            return
        elif path.startswith(decoy_base):
            rest = path[len(decoy_base) :]
            answer = (
                (site.root / BASE / rest).read_bytes() if BASE + rest in genuine else _forged_file(forged, BASE + rest)
            )
        elif path == f"{BASE}summary.json":
            held.append(route)  # never answered
            return
        elif path == f"{BASE}snapshot.json":
            # Genuine while the snapshot loads; forged once the proof is assembled (after layout.json).
            answer = _forged_file(forged, path) if f"{BASE}layout.json" in manifests else None
            manifests.append(path)
        elif path == f"{BASE}layout.json":
            manifests.append(path)
            answer = _forged_file(forged, path)
        elif path.startswith(BASE) and path not in genuine:
            answer = _forged_file(forged, path)
        if answer is None:
            route.continue_()
        else:
            route.fulfill(status=200, body=answer, content_type="application/octet-stream")

    page.route("**/data/**", handle)
    open_page(page, site.url)
    page.wait_for_selector("#signature-status .badge")
    assert "Invalid" in page.inner_text("#signature-status")  # the decoy
    with page.expect_request(f"**/{BASE}summary.json"):
        page.select_option("#snapshot-select", SID)
    banner = find(page, site.snapshot.account("alice").hashed_id)
    assert held and f"{BASE}layout.json" in manifests, (len(held), manifests)
    btc = page.inner_text("#balance-table") if page.locator("#balance-table tr[data-asset=BTC]").count() else ""
    assert "pass" not in banner.split(), (page.inner_text("#verify-banner"), btc)


# --- S11: reserves verdicts the signed reserves.json cannot back --------------------------------


def _empty_reserves(site: Site) -> bytes:
    """A reserves.json (solvent-reserves/3) of the snapshot that lists no wallet and nothing off
    chain: no reserves at all; solvent's own parser accepts it."""
    from solvent.reserves.reserves_json import Attestation

    manifest = json.loads((site.root / BASE / "snapshot.json").read_bytes())
    doc = {
        "format": "solvent-reserves/3",
        "exchange": manifest["exchange"],
        "signing_key": (site.root / BASE / "signing.pub").read_text().strip(),
        "snapshot_id": SID,
        "assets": [{"symbol": a["symbol"], "decimals": a["decimals"]} for a in manifest["assets"]],
        "wallets": [],
        "offchain": [],
    }
    attestation = Attestation.from_dict(doc)
    assert not attestation.wallets and not attestation.offchain
    return attestation.to_json()


def test_no_pass_badge_beyond_the_signed_reserves(page: Any, site: Site) -> None:
    """The exchange signed a snapshot whose reserves.json lists no wallet at all (zero reserves);
    summary.json (not signed) says every asset is 250 % backed, with the signed liabilities."""
    reserves = _empty_reserves(site)
    manifest = json.loads((site.root / BASE / "snapshot.json").read_bytes())
    manifest["files"]["reserves.json"] = hashlib.sha256(reserves).hexdigest()
    signed, sig = _exchange_signed(site, manifest)
    files = {
        f"{BASE}snapshot.json": signed,
        f"{BASE}snapshot.json.sig": sig,
        f"{BASE}reserves.json": reserves,
        f"{BASE}summary.json": claimed_pass_summary(site),
    }
    serve_edited(page, site, files.get)
    open_page(page, site.url)
    page.wait_for_selector("#signature-status .badge.pass")  # the exchange's own signature
    page.wait_for_selector("#solvency-table tbody tr")
    assert page.locator("#solvency-table .badge.pass").count() == 0, page.inner_text("#solvency-table")


def test_the_full_tree_hangs_from_the_signed_root(page: Any, site: Site, forged: Forged) -> None:
    """The page's reads of snapshot.json while it checks the signature are genuine; the host
    answers the ones after layout.json was asked for (the tree's), and the tree chunks, from the
    forged site."""
    reads: list[str] = []

    def edit(path: str) -> bytes | None:
        if path == "data/history.json":
            return b"{}"  # no chart: no other reader of snapshot.json
        if path in {f"{BASE}snapshot.json", f"{BASE}layout.json"}:
            reads.append(path)
        if path == f"{BASE}snapshot.json" and f"{BASE}layout.json" in reads:
            return _forged_file(forged, path)
        if path.startswith(f"{BASE}trees/"):
            return _forged_file(forged, path)
        return None

    serve_edited(page, site, edit)
    open_page(page, site.url)
    page.wait_for_selector("#signature-status .badge.pass")
    page.wait_for_selector("#tree-view[data-asset=BTC] .tree-node")
    signed = next(a for a in site.json(f"s/{SID}/snapshot.json")["assets"] if a["symbol"] == "BTC")
    shown = page.locator("#tree-view .tree-node code.short").first.get_attribute("title")
    assert shown == signed["root"]["hash"], (shown, signed["root"]["hash"], reads)
