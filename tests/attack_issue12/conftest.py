"""A small v2 static site (``solvent publish --static``) served by Python's plain file server, and a
page on it whose responses a test may replace: the publisher of a static site controls every
file under ``data/``, so each attack here is a set of edited files, served in place of the real ones."""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from tests.web.conftest import browser, page, serve_static, start_serve

__all__ = ["browser", "page"]  # the web tests' Chromium fixtures, used here too

SID = "2026-12-v2"
#: The snapshot's folder in the static site.
BASE = f"data/s/{SID}/"


@dataclass(frozen=True)
class Site:
    root: Path
    url: str
    snapshot: Any  # tests.web.snapshots_v2.SnapshotV2

    def data(self, name: str) -> Path:
        return self.root / "data" / name

    def json(self, name: str) -> Any:
        return json.loads(self.data(name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from solvent.web.static_site import publish_static
    from tests.web.snapshots_v2 import make_snapshot_v2

    work = tmp_path_factory.mktemp("attack12")
    snapshot = make_snapshot_v2(work, snapshot_id=SID, taken_at="2026-12-01T00:00:00Z")
    out = work / "site"
    publish_static([snapshot.directory], out)
    with serve_static(out) as served_site:
        yield Site(out, served_site.url, snapshot)


@pytest.fixture(scope="module")
def served(site: Site) -> Iterator[str]:
    """The same snapshot behind `solvent serve` (its JSON API): the page's URL."""
    server = start_serve([site.snapshot.directory])
    try:
        yield server.url
    finally:
        server.stop()


Rewrite = Callable[[str], "bytes | str | None"]


def serve_edited(page: Any, site: Site, edit: Rewrite) -> None:
    """Every request under data/ goes through ``edit(path)`` (path relative to the site, URL
    decoded): bytes to serve instead, a site path (str) to serve that file instead, or None for
    the real file."""

    def handle(route: Any) -> None:
        path = unquote(urlparse(route.request.url).path).lstrip("/")
        answer = edit(path)
        if answer is None:
            route.continue_()
            return
        if isinstance(answer, str):
            file = site.root / answer
            if not file.is_file():
                route.fulfill(status=404, body="not found")
                return
            answer = file.read_bytes()
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        route.fulfill(status=200, body=answer, content_type=kind)

    page.route("**/data/**", handle)


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready=true], body[data-ready=error]")


@dataclass(frozen=True)
class Forged:
    """The same snapshot id and the same customers' hashed ids (the exchange's master key), but a
    ledger the signed snapshot does not hold (alice's BTC x10), signed by a key that is not the
    published one: its static site's files, to be served in place of the real ones."""

    root: Path
    snapshot: Any


@pytest.fixture(scope="session")
def forged(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Forged:
    import shutil

    from solvent.publish.keys import generate_keys
    from solvent.web.static_site import publish_static
    from tests.web.snapshots_v2 import ledger_v2, make_snapshot_v2

    work = tmp_path_factory.mktemp("attack12-forged")
    keys = work / "keys"
    scratch = work / "scratch-keys"
    generate_keys(scratch)
    keys.mkdir()
    shutil.copy(scratch / "signing.key", keys / "signing.key")
    shutil.copy(scratch / "signing.pub", keys / "signing.pub")
    # The master key decides the hashed ids: the exchange's own, so alice's id is the same.
    shutil.copy(site.snapshot.directory.parent / "keys" / "master.key", keys / "master.key")
    rows = ledger_v2(40, 5)
    rows["alice"] = {"BTC": 1_500_000_000, "USDT": 2_500_000_000}
    snapshot = make_snapshot_v2(work, snapshot_id=SID, taken_at="2026-12-01T00:00:00Z", rows=rows)
    out = work / "site"
    publish_static([snapshot.directory], out)
    return Forged(out, snapshot)


def find(page: Any, hashed_id: str) -> str:
    """Find My Balance for `hashed_id`: the verdict banner's classes once it is drawn (or an id error)."""
    page.fill("#hashed-id", hashed_id)
    page.click("#find-button")
    page.wait_for_selector(
        "#verify-banner.pass, #verify-banner.fail, #verify-banner.warn, #hashed-id-error:not(:empty)"
    )
    return page.get_attribute("#verify-banner", "class") or ""


def claimed_pass_summary(site: Site) -> bytes:
    """summary.json claiming every asset backed 250 % (PASS), whatever the signed files say."""
    summary = site.json(f"s/{SID}/summary.json")
    for a in summary["assets"]:
        zero = "0" if a["decimals"] == 0 else "0." + "0" * a["decimals"]
        a["reserves"] = {
            "asset": a["symbol"],
            "status": "PASS",
            "ratio": "250.00%",
            "ratio_with_declared": "250.00%",
            "display": {"observed_reserves": a["liabilities_display"], "declared": zero, "declared_offchain": zero},
            "by_chain": {},
        }
    return json.dumps(summary).encode()
