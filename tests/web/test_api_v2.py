"""The API over a v2 snapshot served beside a v1 one: proofs as `solvent prove` prints them,
per-asset CSVs and trees, and files checked against the manifest's digests at load."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from solvent.pipeline.lookup import proof_bytes
from solvent.protocol.errors import BadSignature, FileDigestMismatch, ManifestMismatch
from solvent.protocol.v2.hashing import pad_node
from solvent.protocol.v2.inclusion import balances, verify_proof_bytes
from solvent.protocol.v2.manifest import parse_manifest
from solvent.web.api import create_app
from solvent.web.catalog import load_catalog
from tests.web.conftest import V1_BESIDE_V2, V2_ID, Mixed

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(mixed: Mixed) -> Iterator[TestClient]:
    catalog = load_catalog(mixed.dirs)
    try:
        with TestClient(create_app(catalog)) as c:
            yield c
    finally:
        catalog.close()


def test_listing_names_each_snapshots_version(client: TestClient, mixed: Mixed) -> None:
    listing = client.get("/api/snapshots").json()
    assert [(s["snapshot_id"], s["version"]) for s in listing] == [(V2_ID, 2), (V1_BESIDE_V2, 1)]
    assert listing[0]["accounts"] == len(mixed.v2.accounts) and listing[0]["root_hash"] is None


def test_v2_summary_has_every_assets_root_and_total(client: TestClient, mixed: Mixed) -> None:
    manifest = parse_manifest((mixed.v2.public / "snapshot.json").read_bytes())
    summary = client.get(f"/api/snapshots/{V2_ID}").json()
    assert [a["symbol"] for a in summary["assets"]] == ["BTC", "ETH", "USDT", "JPY", "DOGE"]
    for line, tree in zip(summary["assets"], manifest.trees, strict=True):
        total = sum(a.holdings.get(tree.symbol, 0) for a in mixed.v2.accounts)  # from the ledger
        assert line["liabilities"] == str(total) == str(tree.root.sum)
        assert line["root"] == tree.root.to_dict()
    for name in ("liabilities/BTC.csv", "liabilities/DOGE.csv", "tree/accounts.bin"):
        assert summary["files"][name] == hashlib.sha256((mixed.v2.public / name).read_bytes()).hexdigest()
    assert "liabilities.csv" not in summary["files"]


def test_v2_proofs_are_the_lookups_bytes_and_verify(client: TestClient, mixed: Mixed) -> None:
    manifest = parse_manifest((mixed.v2.public / "snapshot.json").read_bytes())
    for account in mixed.v2.accounts:
        r = client.get(f"/api/snapshots/{V2_ID}/proofs/{account.hashed_id}")
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        assert r.content == proof_bytes(mixed.v2.directory, account.hashed_id)
        result = verify_proof_bytes(
            r.content, manifest, uid=account.uid, user_secret=bytes.fromhex(account.user_secret)
        )
        held = {a.symbol: amount for a, amount in balances(result.proof, manifest) if amount}
        assert held == account.holdings


def test_v1_proofs_still_served_beside_v2(client: TestClient, mixed: Mixed) -> None:
    for account in mixed.v1.accounts:
        r = client.get(f"/api/snapshots/{V1_BESIDE_V2}/proofs/{account.hashed_id}")
        assert r.status_code == 200 and r.content == proof_bytes(mixed.v1.directory, account.hashed_id)
    r = client.get(f"/api/snapshots/{V1_BESIDE_V2}/tree/0/0")
    assert r.status_code == 200 and len(r.json()["sums"]) == 4


def test_per_asset_csv_is_served_byte_equal_to_its_bound_digest(client: TestClient, mixed: Mixed) -> None:
    manifest = parse_manifest((mixed.v2.public / "snapshot.json").read_bytes())
    for tree in manifest.trees:
        name = f"liabilities/{tree.symbol}.csv"
        r = client.get(f"/api/snapshots/{V2_ID}/files/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert r.content == (mixed.v2.public / name).read_bytes()
        assert hashlib.sha256(r.content).hexdigest() == manifest.files[name]
        assert f'filename="{tree.symbol}.csv"' in r.headers["content-disposition"]
    r = client.get(f"/api/snapshots/{V2_ID}/files/liabilities.csv")
    assert r.status_code == 404 and r.json()["error"] == "unknown-file"
    r = client.get(f"/api/snapshots/{V2_ID}/files/liabilities/XRP.csv")
    assert r.status_code == 404 and r.json()["error"] == "unknown-file"


def test_per_asset_tree_nodes(client: TestClient, mixed: Mixed) -> None:
    manifest = parse_manifest((mixed.v2.public / "snapshot.json").read_bytes())
    btc = manifest.tree("BTC")
    assert btc is not None
    top = client.get(f"/api/snapshots/{V2_ID}/trees/BTC/{btc.root.height}/0").json()
    assert top["hash"] == btc.root.hash.hex() and top["sums"] == [str(btc.root.sum)]
    assert sum(int(c["sums"][0]) for c in top["children"]) == btc.root.sum
    alice = mixed.v2.account("alice")
    leaves = [client.get(f"/api/snapshots/{V2_ID}/trees/BTC/0/{i}").json() for i in range(btc.root.leaf_count)]
    mine = [leaf for leaf in leaves if leaf["hashed_id"] == alice.hashed_id]
    assert [leaf["sums"] for leaf in mine] == [[str(alice.holdings["BTC"])]]
    padding = client.get(f"/api/snapshots/{V2_ID}/trees/BTC/0/{btc.root.leaf_count}").json()
    assert padding["padding"] is True and padding["hash"] == pad_node(0, "BTC").hash.hex()
    empty = client.get(f"/api/snapshots/{V2_ID}/trees/DOGE/0/0").json()
    assert empty["padding"] is True and empty["sums"] == ["0"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        (f"/api/snapshots/{V2_ID}/trees/XRP/0/0", 404, "unknown-asset"),
        (f"/api/snapshots/{V2_ID}/trees/BTC/6/0", 400, "level"),
        (f"/api/snapshots/{V2_ID}/trees/BTC/0/32", 400, "index"),
        (f"/api/snapshots/{V2_ID}/trees/BTC/-1/0", 400, "level"),
        (f"/api/snapshots/{V2_ID}/tree/0/0", 404, "version"),
        (f"/api/snapshots/{V1_BESIDE_V2}/trees/BTC/0/0", 404, "version"),
        (f"/api/snapshots/{V2_ID}/files/private/users.csv", 404, "unknown-file"),
        (f"/api/snapshots/{V2_ID}/proofs/{'ab' * 32}", 404, "not-found"),
    ],
)
def test_bad_v2_requests_are_clear_4xx(client: TestClient, path: str, status: int, code: str) -> None:
    r = client.get(path)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == code and body["message"]
    assert r.headers["x-content-type-options"] == "nosniff"


def copy_of(snapshot: Path, tmp_path: Path) -> Path:
    out = tmp_path / snapshot.name
    shutil.copytree(snapshot, out)
    return out


def test_a_tampered_csv_is_refused_at_load(mixed: Mixed, tmp_path: Path) -> None:
    bad = copy_of(mixed.v2.directory, tmp_path)
    csv = bad / "public" / "liabilities" / "USDT.csv"
    csv.write_bytes(csv.read_bytes().replace(b"\n", b"\n", 1) + b"x")
    with pytest.raises(FileDigestMismatch) as caught:
        load_catalog([bad])
    assert caught.value.evidence["file"] == "liabilities/USDT.csv"


def test_a_tampered_v1_csv_is_refused_at_load(mixed: Mixed, tmp_path: Path) -> None:
    bad = copy_of(mixed.v1.directory, tmp_path)
    csv = bad / "public" / "liabilities.csv"
    data = bytearray(csv.read_bytes())
    data[-3] = ord("9") if data[-3] != ord("9") else ord("8")
    csv.write_bytes(bytes(data))
    with pytest.raises(FileDigestMismatch) as caught:
        load_catalog([bad])
    assert caught.value.evidence["file"] == "liabilities.csv"


def test_a_missing_bound_file_is_refused_at_load(mixed: Mixed, tmp_path: Path) -> None:
    bad = copy_of(mixed.v2.directory, tmp_path)
    (bad / "public" / "liabilities" / "DOGE.csv").unlink()
    with pytest.raises(ManifestMismatch, match=r"DOGE\.csv"):
        load_catalog([bad])


def test_a_v2_manifest_its_signature_contradicts_is_refused(mixed: Mixed, tmp_path: Path) -> None:
    bad = copy_of(mixed.v2.directory, tmp_path)
    manifest = bad / "public" / "snapshot.json"
    manifest.write_bytes(manifest.read_bytes().replace(b'"Demo Exchange"', b'"Demo Exchangf"'))
    with pytest.raises(BadSignature):
        load_catalog([bad])
    (bad / "public" / "snapshot.json.sig").unlink()
    with pytest.raises(BadSignature, match="signature not found"):
        load_catalog([bad])


def test_head_answers_as_get_on_the_v2_routes(client: TestClient, mixed: Mixed) -> None:
    alice = mixed.v2.account("alice")
    seen = set()
    for path in (
        f"/api/snapshots/{V2_ID}",
        f"/api/snapshots/{V2_ID}/proofs/{alice.hashed_id}",
        f"/api/snapshots/{V2_ID}/proofs/{'ab' * 32}",
        f"/api/snapshots/{V2_ID}/trees/BTC/5/0",
        f"/api/snapshots/{V2_ID}/trees/BTC/9/0",
        f"/api/snapshots/{V2_ID}/trees/XRP/0/0",
        f"/api/snapshots/{V2_ID}/files/liabilities/BTC.csv",
        f"/api/snapshots/{V2_ID}/files/tree/BTC/level-00.bin",
    ):
        get, head = client.get(path), client.head(path)
        assert (head.status_code, head.headers) == (get.status_code, get.headers), path
        assert head.content == b"", path
        seen.add(get.status_code)
    assert seen == {200, 400, 404}
