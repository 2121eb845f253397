"""`solvent publish --static`: the same site as plain files, served by a plain static file server."""

from __future__ import annotations

import hashlib
import http.client
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from solvent.pipeline.lookup import proof_bytes
from solvent.protocol.errors import InputError
from solvent.protocol.hashing import pad_node
from solvent.protocol.manifest import parse_manifest
from solvent.protocol.proof import Leaf, Proof
from solvent.tree.store import decode_record, level_count
from solvent.web.static_site import band_for, prefix_digits_for, publish_static
from tests.web.conftest import NEWEST, OLDER, Demo, StaticServer
from tests.web.test_page import readable, shown_balances

pytestmark = pytest.mark.integration


def test_layout_sizes() -> None:
    assert band_for(3) == 8 and band_for(255) == 3
    for n in (1, 3, 5, 20, 255):  # a full chunk stays under 64 KiB
        assert (2 ** (band_for(n) + 1) - 2) * (32 + 16 * n) <= 64 * 1024
    assert prefix_digits_for(40) == 1 and prefix_digits_for(10_000_000) == 4
    assert 10_000_000 / 16 ** prefix_digits_for(10_000_000) <= 256


def assemble(root: Path, sid: str, hashed_id: str) -> bytes:
    """The documented layout read by an independent reader (not the page's code): a proof."""
    base = root / "data" / "s" / sid
    layout = json.loads((base / "layout.json").read_text())
    manifest = parse_manifest((base / "snapshot.json").read_bytes())
    n, height, leaf_count = len(manifest.assets), manifest.root.height, manifest.root.leaf_count
    shard = (base / "ids" / f"{hashed_id[: layout['prefix_digits']]}.bin").read_bytes()
    ids = [shard[8 + 32 * i : 40 + 32 * i] for i in range((len(shard) - 8) // 32)]
    index = int.from_bytes(shard[:8], "big") + ids.index(bytes.fromhex(hashed_id))

    def node(level: int, i: int) -> Any:
        if i >= level_count(level, leaf_count):
            return pad_node(level, n)
        band = layout["band"]
        bottom = level // band * band
        top = min(bottom + band, height)
        j = i >> (top - level)
        chunk = (base / "tree" / str(level // band) / f"{j}.bin").read_bytes()
        offset = sum(
            max(0, min(level_count(k, leaf_count) - (j << (top - k)), 1 << (top - k))) for k in range(bottom, level)
        )
        at = (offset + i - (j << (top - level))) * layout["record_size"]
        return decode_record(chunk[at : at + layout["record_size"]], n)

    siblings = tuple(node(k, (index >> k) ^ 1) for k in range(height))
    leaf = Leaf(index, bytes.fromhex(hashed_id), node(0, index).sums)
    return Proof(manifest.snapshot_id, manifest.assets, leaf, siblings, manifest.root).to_json()


def test_every_proof_can_be_assembled_from_shards_and_chunks(static_site: StaticServer, demo: Demo) -> None:
    for snap in (demo.newest, demo.older):
        for account in snap.accounts:
            assert assemble(static_site.root, snap.snapshot_id, account.hashed_id) == proof_bytes(
                snap.directory, account.hashed_id
            )


def test_no_proof_is_stored(static_site: StaticServer, demo: Demo) -> None:
    """The site holds each id once and each tree node once: proofs are assembled by the page."""
    for snap in (demo.newest, demo.older):
        base = static_site.root / "data" / "s" / snap.snapshot_id
        layout = json.loads((base / "layout.json").read_text())
        assert "proofs_per_file" not in layout and not (base / "proofs").exists()
        leaf_count, height = layout["leaf_count"], layout["height"]
        shards = list((base / "ids").iterdir())
        assert len(shards) == 16 ** layout["prefix_digits"]
        assert sum(p.stat().st_size for p in shards) == 8 * len(shards) + 32 * leaf_count
        chunks = [p for p in (base / "tree").rglob("*.bin") if p.parent.name.isdigit()]
        nodes = sum(level_count(k, leaf_count) for k in range(height))
        assert sum(p.stat().st_size for p in chunks) == nodes * layout["record_size"]


def test_no_private_file_and_no_large_file(static_site: StaticServer, demo: Demo) -> None:
    files = [p for p in static_site.root.rglob("*") if p.is_file()]
    private = {p.read_bytes() for p in (demo.newest.directory / "private").iterdir()}
    secrets = [a.user_secret.encode() for a in demo.newest.accounts]
    for p in files:
        data = p.read_bytes()
        assert data not in private, p
        if p.suffix in (".json", ".csv", ".html"):
            assert not any(s in data for s in secrets), p
    assert not any("private" in p.parts or p.name == "users.csv" for p in files)
    chunks = [p for p in files if "tree" in p.parts and p.parent.name.isdigit()]
    shards = [p for p in files if p.parent.name == "ids"]
    assert chunks and shards and all(p.stat().st_size <= 64 * 1024 for p in chunks + shards)
    listing = json.loads((static_site.root / "data" / "snapshots.json").read_text())
    assert [s["snapshot_id"] for s in listing] == [NEWEST, OLDER]


def test_static_page_carries_its_policy_in_a_meta_element(static_site: StaticServer) -> None:
    html = (static_site.root / "index.html").read_text()
    assert 'name="solvent-data" content="static"' in html
    assert "Content-Security-Policy" in html and "'unsafe-inline'" not in html
    assert "<script>" not in html  # the one inline element is the import map, allowed by its hash


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body


@pytest.mark.parametrize(
    "path",
    [
        "/../private/users.csv",
        "/data/s/2026-11-23/../../../private/users.csv",
        "/%2e%2e/%2e%2e/private/users.csv",
        "/data/s/2026-11-23/private/users.csv",
        "/data/s/2026-11-23/users.csv",
    ],
)
def test_no_path_traversal_on_the_static_site(static_site: StaticServer, path: str) -> None:
    status, body = get(static_site.port, path)
    assert status == 404 and b"user_secret" not in body


def test_static_site_in_the_browser(page: Any, static_site: StaticServer, demo: Demo) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(static_site.url)
    page.wait_for_selector("body[data-ready=true]")
    assert page.inner_text("#account-count") == "40"
    assert "Valid" in page.inner_text("#signature-status")
    alice = next(a for a in demo.newest.accounts if a.uid == "alice")
    page.fill("#hashed-id", alice.hashed_id)
    page.click("#find-button")
    page.wait_for_selector("#verify-banner.pass")
    assert shown_balances(page) == ([readable(b) for b in alice.balances], list(alice.balances))
    with page.expect_download() as info:
        page.click("#proof-download")
    # The proof the browser assembled from shards and chunks is byte for byte `solvent prove`'s.
    assert Path(info.value.path()).read_bytes() == proof_bytes(demo.newest.directory, alice.hashed_id)
    assert not any("/api/" in u for u in requests)
    chunk_requests = [u for u in requests if "/tree/" in u and u.endswith(".bin")]
    assert 0 < len(chunk_requests) <= 2  # height 6, 8 levels per band: one chunk (plus the open tree)
    page.fill("#hashed-id", "cd" * 32)
    page.click("#find-button")
    page.wait_for_function(
        "() => document.querySelector('#hashed-id-error').textContent.includes('not in this snapshot')"
    )
    page.select_option("#snapshot-select", OLDER)
    page.wait_for_function("() => document.querySelectorAll('#tree-view li').length === 15")
    with page.expect_download() as info:
        page.click("#download-list a[href$='liabilities.csv']")
    data = Path(info.value.path()).read_bytes()
    manifest = json.loads((demo.older.public / "snapshot.json").read_text())
    assert hashlib.sha256(data).hexdigest() == manifest["files"]["liabilities.csv"] == page.inner_text("#csv-sha256")
    assert not page.errors


def test_publish_cli(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "site"
    cmd = [sys.executable, "-m", "solvent", "publish", str(demo.older.directory), "--static", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "static site written to" in done.stdout and (out / "index.html").is_file()
    again = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert again.returncode == 2 and "already exists" in again.stderr
    forced = subprocess.run([*cmd, "--force"], capture_output=True, text=True, check=False)
    assert forced.returncode == 0
    missing = subprocess.run([*cmd[:-2], "--static"], capture_output=True, text=True, check=False)
    assert missing.returncode == 2


def test_publish_leaves_nothing_behind_on_failure(demo: Demo, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        publish_static([demo.older.directory, tmp_path / "nope"], tmp_path / "site")
    assert list(tmp_path.iterdir()) == []
