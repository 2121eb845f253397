"""The JSON API: every endpoint, every bad input (a 4xx with a clear JSON message), never a private file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from fastapi.testclient import TestClient

from solvent.pipeline.lookup import proof_bytes
from solvent.protocol.amounts import format_units
from solvent.protocol.errors import BadSignature, InputError
from solvent.protocol.inclusion import verify_proof_bytes
from solvent.protocol.manifest import parse_manifest
from solvent.tree.store import TreeReader
from solvent.web.api import create_app
from solvent.web.catalog import load_catalog
from solvent.web.kit import verifier_source
from tests.web.conftest import NEWEST, OLDER, Demo

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(demo: Demo) -> Iterator[TestClient]:
    catalog = load_catalog(demo.dirs, demo.settings)
    try:
        with TestClient(create_app(catalog)) as c:
            yield c
    finally:
        catalog.close()


def error_of(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error", "message", "evidence"}
    assert body["message"]
    return body


def test_snapshots_newest_first(client: TestClient, demo: Demo) -> None:
    listing = client.get("/api/snapshots").json()
    assert [s["snapshot_id"] for s in listing] == [NEWEST, OLDER]
    first = listing[0]
    manifest = parse_manifest((demo.newest.public / "snapshot.json").read_bytes())
    assert first["root_hash"] == manifest.root.hash.hex()
    assert first["accounts"] == 40 == manifest.root.leaf_count
    assert first["reserves"] is True and listing[1]["reserves"] is False


def test_summary_totals_equal_the_ledger_and_reserves_come_from_the_report(client: TestClient, demo: Demo) -> None:
    summary = client.get(f"/api/snapshots/{NEWEST}").json()
    # Independent check: the totals of the ledger the snapshot was built from.
    for i, asset in enumerate(summary["assets"]):
        decimals = asset["decimals"]
        total = sum(int(a.balances[i].replace(".", "")) for a in demo.newest.accounts)
        assert asset["liabilities"] == str(total)
        assert asset["liabilities_display"] == format_units(total, decimals)
        assert asset["reserves"]["liabilities"] == str(total)
    statuses = {a["symbol"]: a["reserves"]["status"] for a in summary["assets"]}
    # The demo funds ETH and USDT on chain with a 5 % surplus (USDT on Ethereum and Tron);
    # BTC and USD are declared only.
    assert statuses == {"BTC": "DECLARED", "ETH": "PASS", "USDT": "PASS", "USD": "DECLARED"}
    wallets = summary["solvency"]["wallets"]
    # 2 Ethereum wallets, 4 Bitcoin (a 2-of-3 multisig among them), 1 Tron
    assert [w["chain"] for w in wallets] == ["ethereum"] * 2 + ["bitcoin"] * 4 + ["tron"]
    assert all(w["valid"] for w in wallets)
    # how each wallet was checked and read, and each asset's reserves per chain, reach the page
    eth_wallet = next(w for w in wallets if w["chain"] == "ethereum")
    assert eth_wallet["method"] and eth_wallet["timing"].startswith("at the pinned block ")
    assert eth_wallet["observed"] is None and eth_wallet["ownership_checked"] is True
    tron_wallet = next(w for w in wallets if w["chain"] == "tron")
    assert tron_wallet["timing"].endswith("(latest), not at the pinned block") and tron_wallet["observed"]
    eth = next(a["reserves"] for a in summary["assets"] if a["symbol"] == "ETH")
    assert list(eth["by_chain"]) == ["ethereum"]
    assert eth["by_chain"]["ethereum"]["observed"] == eth["observed_reserves"]
    usdt = next(a["reserves"] for a in summary["assets"] if a["symbol"] == "USDT")
    assert list(usdt["by_chain"]) == ["ethereum", "tron"]
    assert summary["files"]["liabilities.csv"] == hashlib.sha256(
        (demo.newest.public / "liabilities.csv").read_bytes()
    ).hexdigest()
    assert summary["signing_key"] == (demo.newest.public / "signing.pub").read_text().strip()


def test_snapshot_without_reserves(client: TestClient) -> None:
    summary = client.get(f"/api/snapshots/{OLDER}").json()
    assert summary["solvency"] is None
    assert all(a["reserves"] is None for a in summary["assets"])
    r = client.get(f"/api/snapshots/{OLDER}/reserves")
    assert r.status_code == 404 and error_of(r)["error"] == "no-reserves"


def test_reserves_report(client: TestClient) -> None:
    report = client.get(f"/api/snapshots/{NEWEST}/reserves").json()
    assert report["format"] == "solvent-solvency-report/1"
    assert report["snapshot_id"] == NEWEST
    assert any("borrowed funds" in line for line in report["limitations"])  # threat R5 is stated


def test_proof_is_what_solvent_prove_prints_and_verifies(client: TestClient, demo: Demo) -> None:
    manifest = parse_manifest((demo.newest.public / "snapshot.json").read_bytes())
    for account in demo.newest.accounts[:10]:
        r = client.get(f"/api/snapshots/{NEWEST}/proofs/{account.hashed_id}")
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        assert r.content == proof_bytes(demo.newest.directory, account.hashed_id)
        result = verify_proof_bytes(
            r.content, manifest, uid=account.uid, user_secret=bytes.fromhex(account.user_secret)
        )
        shown = [format_units(a, x.decimals) for a, x in zip(result.leaf.amounts, manifest.assets, strict=True)]
        assert shown == list(account.balances)


def test_proof_id_in_upper_case_is_accepted(client: TestClient, demo: Demo) -> None:
    account = demo.newest.accounts[0]
    r = client.get(f"/api/snapshots/{NEWEST}/proofs/{account.hashed_id.upper()}")
    assert r.status_code == 200 and json.loads(r.content)["leaf"]["hashed_id"] == account.hashed_id


@pytest.mark.parametrize(
    ("hashed_id", "status", "code", "says"),
    [
        ("ab" * 31, 400, "hex", "62 characters"),
        ("ab" * 33, 400, "hex", "66 characters"),
        ("", 404, "not-found", "no such page"),
        ("g" + "0" * 63, 400, "hex", "'g' is not a hex digit"),
        ("0x" + "0" * 62, 400, "hex", "'x' is not a hex digit"),
        ("0" * 32 + "%20" + "0" * 31, 400, "hex", "' ' is not a hex digit"),
        ("%20" + "0" * 63, 400, "hex", "63 characters"),  # the space is trimmed, as in `solvent prove`
        ("ab" * 32, 404, "not-found", "is not in snapshot"),
    ],
)
def test_proof_bad_ids(client: TestClient, hashed_id: str, status: int, code: str, says: str) -> None:
    r = client.get(f"/api/snapshots/{NEWEST}/proofs/{hashed_id}")
    assert r.status_code == status
    body = error_of(r)
    assert body["error"] == code and says in str(body["message"])


@pytest.mark.parametrize("fast", [True, False])
def test_proof_id_is_parsed_by_the_one_rule(demo: Demo, fast: bool) -> None:
    """The API, the CLI and the page accept the same text: surrounding whitespace, either case."""
    from solvent.protocol.ids import parse_hashed_id

    catalog = load_catalog([demo.older.directory])
    try:
        with TestClient(create_app(catalog, fast_proofs=fast)) as c:
            account = demo.older.accounts[0]
            for text in (f"%20{account.hashed_id}%09", f"%20{account.hashed_id.upper()}%20%0A"):
                r = c.get(f"/api/snapshots/{OLDER}/proofs/{text}")
                assert r.status_code == 200, text
                assert r.content == proof_bytes(demo.older.directory, unquote(text))
            for bad in ("ab" * 31, "0" * 63 + "g", " " * 64):
                r = c.get(f"/api/snapshots/{OLDER}/proofs/{quote(bad)}")
                with pytest.raises(InputError) as expected:
                    parse_hashed_id(bad)
                body = error_of(r)
                assert (r.status_code, body["error"], body["message"], body["evidence"]) == (
                    400,
                    "hex",
                    expected.value.message,
                    expected.value.evidence,
                ), bad
    finally:
        catalog.close()


def test_id_of_another_snapshot_is_not_found(client: TestClient, demo: Demo) -> None:
    # Per-snapshot ids (threat L17): alice's id of the newest snapshot is not in the older one.
    r = client.get(f"/api/snapshots/{OLDER}/proofs/{demo.newest.accounts[0].hashed_id}")
    assert r.status_code == 404 and error_of(r)["error"] == "not-found"


def test_unknown_snapshot(client: TestClient) -> None:
    for path in ("/api/snapshots/2020-01-01", "/api/snapshots/nope/proofs/" + "0" * 64, "/api/snapshots/x/tree/0/0"):
        r = client.get(path)
        body = error_of(r)
        assert r.status_code == 404 and body["error"] == "unknown-snapshot", path
        assert body["evidence"]["served"] == f"{NEWEST}, {OLDER}"  # what the client could ask for


def test_tree_nodes_match_the_tree_files_and_hash_up(client: TestClient, demo: Demo) -> None:
    from solvent.protocol.hashing import Node, parent

    manifest = parse_manifest((demo.newest.public / "snapshot.json").read_bytes())
    height = manifest.root.height
    root = client.get(f"/api/snapshots/{NEWEST}/tree/{height}/0").json()
    assert root["hash"] == manifest.root.hash.hex() and root["sums"] == [str(s) for s in manifest.root.sums]

    def node(d: dict) -> Node:
        return Node(bytes.fromhex(d["hash"]), tuple(int(s) for s in d["sums"]))

    # Every internal node the API shows is the parent of the two children it shows (spec §4).
    with TreeReader(demo.newest.public, manifest) as reader:
        for level in range(1, height + 1):
            for index in range(1 << (height - level)):
                d = client.get(f"/api/snapshots/{NEWEST}/tree/{level}/{index}").json()
                left, right = (node(c) for c in d["children"])
                assert parent(left, right) == node(d)
                assert node(d) == reader.node(level, index)
        leaves = [
            client.get(f"/api/snapshots/{NEWEST}/tree/1/{i}").json()["children"] for i in range(1 << (height - 1))
        ]
        flat = [leaf for pair in leaves for leaf in pair]
        real = [leaf for leaf in flat if not leaf["padding"]]
        assert len(real) == 40
        assert [leaf["hashed_id"] for leaf in real] == sorted(a.hashed_id for a in demo.newest.accounts)
        assert all("hashed_id" not in leaf for leaf in flat if leaf["padding"])


@pytest.mark.parametrize(
    ("level", "index", "code", "says"),
    [
        ("7", "0", "level", "out of range (0 to 6)"),
        ("6", "1", "index", "out of range (0 to 0)"),
        ("0", "64", "index", "out of range (0 to 63)"),
        ("-1", "0", "level", "non-negative integer"),
        ("01", "0", "level", "non-negative integer"),
        ("a", "0", "level", "non-negative integer"),
        ("0", "1e3", "index", "non-negative integer"),
        ("0", "9" * 40, "index", "non-negative integer"),
        ("0", "18446744073709551616", "index", "out of range (0 to 63)"),
        ("0", "99999999999999999999", "index", "out of range"),
    ],
)
def test_tree_bad_level_or_index(client: TestClient, level: str, index: str, code: str, says: str) -> None:
    r = client.get(f"/api/snapshots/{NEWEST}/tree/{level}/{index}")
    assert r.status_code == 400
    body = error_of(r)
    assert body["error"] == code and says in str(body["message"])


def test_files_are_streamed_and_bound(client: TestClient, demo: Demo) -> None:
    manifest = parse_manifest((demo.newest.public / "snapshot.json").read_bytes())
    for name in ["liabilities.csv", "reserves.json", "tree/level-00.bin"]:
        r = client.get(f"/api/snapshots/{NEWEST}/files/{name}")
        assert r.status_code == 200
        assert hashlib.sha256(r.content).hexdigest() == manifest.files[name]
        assert f'filename="{name.rsplit("/", 1)[-1]}"' in r.headers["content-disposition"]
    for name in ["snapshot.json", "snapshot.json.sig", "signing.pub"]:
        r = client.get(f"/api/snapshots/{NEWEST}/files/{name}")
        assert r.content == (demo.newest.public / name).read_bytes()
    r = client.get(f"/api/snapshots/{OLDER}/files/reserves.json")
    assert r.status_code == 404 and error_of(r)["error"] == "unknown-file"


@pytest.mark.parametrize(
    "name",
    [
        "../private/users.csv",
        "..%2Fprivate%2Fusers.csv",
        "%2e%2e/private/users.csv",
        "....//private/users.csv",
        "/etc/passwd",
        "users.csv",
        "private/users.csv",
        "tree/../../private/users.csv",
        "snapshot.json/",
    ],
)
def test_no_path_traversal_through_files(client: TestClient, name: str) -> None:
    r = client.get(f"/api/snapshots/{NEWEST}/files/{name}")
    assert r.status_code == 404
    assert b"uid" not in r.content and b"user_secret" not in r.content


@pytest.mark.parametrize(
    "path",
    ["/static/../catalog.py", "/static/%2e%2e/api.py", "/static/js/../../page.py", "/static/", "/templates/index.html"],
)
def test_no_path_traversal_through_static(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert b"import" not in r.content


def test_huge_paths_and_queries(client: TestClient) -> None:
    r = client.get(f"/api/snapshots/{NEWEST}/proofs/" + "a" * 5000)
    assert r.status_code == 414 and error_of(r)["error"] == "too-long"
    r = client.get("/api/snapshots?" + "q=" * 2000)
    assert r.status_code == 414 and error_of(r)["error"] == "too-long"
    r = client.get(f"/api/snapshots/{'x' * 300}")
    assert r.status_code == 404 and len(error_of(r)["message"]) < 200  # the echo is shortened


def test_read_only(client: TestClient) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        r = client.request(method, "/api/snapshots")
        assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD", method
        assert error_of(r)["error"] == "method"


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for path in ["/", "/static/js/app.js", "/api/snapshots", "/api/snapshots/nope", f"/api/snapshots/{NEWEST}/files/x"]:
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp and "http" not in csp
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "no-referrer"


def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    assert set(spec["paths"]) == {
        "/api/history",
        "/api/kit/solvent_verify.py",
        "/api/snapshots",
        "/api/snapshots/{snapshot_id}",
        "/api/snapshots/{snapshot_id}/proofs/{hashed_id}",
        "/api/snapshots/{snapshot_id}/tree/{level}/{index}",
        "/api/snapshots/{snapshot_id}/trees/{symbol}/{level}/{index}",
        "/api/snapshots/{snapshot_id}/reserves",
        "/api/snapshots/{snapshot_id}/files/{name}",
    }
    proofs = spec["paths"]["/api/snapshots/{snapshot_id}/proofs/{hashed_id}"]["get"]
    assert {"400", "404"} <= set(proofs["responses"])
    assert client.get("/docs").status_code == 404  # the interactive docs would load a CDN
    kit = client.get("/api/kit/solvent_verify.py")
    assert kit.status_code == 200 and kit.headers["content-type"].startswith("text/x-python")
    assert kit.text == verifier_source()


def test_a_snapshot_with_a_bad_signature_is_not_served(demo: Demo, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(demo.older.directory, copy)
    sig = copy / "public" / "snapshot.json.sig"
    text = sig.read_text().strip()
    sig.write_text(("0" if text[0] != "0" else "1") + text[1:] + "\n")
    with pytest.raises(BadSignature):
        load_catalog([copy])


def test_duplicate_and_missing_snapshots_are_refused(demo: Demo, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="two directories hold snapshot"):
        load_catalog([demo.older.directory, demo.older.public])
    with pytest.raises(InputError, match="not a snapshot directory"):
        load_catalog([tmp_path])
