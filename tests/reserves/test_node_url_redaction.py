"""A node URL's secrets appear in no output: CLI, reserves.json, report text/JSON/HTML, API, static site.

The red-team found an API key in a node URL's path published in the static site's
``summary.json`` and the API.  Here the one node of every command is a loopback
Ethereum JSON-RPC server (the test-double node's balances, served over real HTTP) whose
URL carries a user, a password, an API key in the path and one in the query, and a
fragment; the server refuses requests without them, so each run really used them.  Every
output of every command, and every file written, is searched for each secret.  The
lying run (a node of another chain) checks the error paths too.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from solvent.pipeline.build import BuildRequest, build_snapshot
from solvent.pipeline.report import VerifierSettings
from solvent.protocol.assets import parse_asset_list
from solvent.protocol.errors import FetchError
from solvent.reserves.chains import CHAINS, normalize_address
from solvent.reserves.tokens import default_registry
from solvent.web.api import create_app
from solvent.web.catalog import load_catalog
from tests.cli_invoke import Result, invoke
from tests.reserves.fakes import FakeSource, node_for
from tests.reserves.hostile_server import Node, NodeHandler, node_server
from tests.reserves.scenario import EXCHANGE, SIGNING_KEY, SNAPSHOT, make_scenario, write_keys

pytestmark = pytest.mark.integration  # runs the CLI and the API

SECRETS = ("alice-user", "pa55-word", "PATHKEY123", "QUERYKEY456", "FRAGMENT789")
AUTH = "Basic " + base64.b64encode(b"alice-user:pa55-word").decode()
ETH = CHAINS["ethereum"]


def secret_url(node: Node) -> str:
    return node.url.replace("http://", "http://alice-user:pa55-word@") + "/v3/PATHKEY123?apikey=QUERYKEY456#FRAGMENT789"


def json_rpc_node(fake: FakeSource, chain_id: int = 1):  # type: ignore[no-untyped-def]
    """An Ethereum JSON-RPC server answering from ``fake``, only with the URL's credentials, path and query."""

    def word(n: int) -> str:
        return "0x" + n.to_bytes(32, "big").hex()

    def answer(h: NodeHandler) -> None:
        if h.path != "/v3/PATHKEY123?apikey=QUERYKEY456" or h.headers.get("Authorization") != AUTH:
            h.send_body(401, b"")
            return
        method, params = h.request_json["method"], h.request_json["params"]
        if method == "eth_chainId":
            h.rpc_result(hex(chain_id))
        elif method == "eth_getBlockByNumber":
            height = int(params[0], 16)
            block = fake.blocks.get(height)
            h.rpc_result(
                None
                if block is None
                else {"number": hex(height), "hash": "0x" + block, "timestamp": hex(fake.block_time)}
            )
        elif method == "eth_getBalance":
            h.rpc_result(hex(fake.native.get(normalize_address(ETH, params[0]).key, 0)))
        elif method == "eth_call":
            to = normalize_address(ETH, params[0]["to"]).key
            data = params[0]["data"]
            if to not in fake.decimals:
                h.rpc_result("0x")
            elif data == "0x313ce567":  # decimals()
                h.rpc_result(word(fake.decimals[to]))
            else:  # balanceOf(address)
                h.rpc_result(word(fake.tokens.get((to, bytes.fromhex(data[-40:])), 0)))
        else:
            h.send_body(200, json.dumps({"id": h.request_json["id"], "error": {"message": "no"}}).encode())

    return answer


def built_snapshot(tmp_path: Path, reserves: Path) -> Path:
    """A real snapshot (the pipeline's build) of the scenario's exchange, binding ``reserves``."""
    write_keys(tmp_path / "keys")  # the manifest key the scenario's challenges name
    ledger = tmp_path / "ledger.csv"
    # 4 ETH and 2.5 USDT: what the test-double node holds at the pin
    ledger.write_text("uid,BTC,ETH,USDT,USD\nalice,1,3,2.5,100\nbob,0,1,0,0\n")
    out = tmp_path / "snap"
    build_snapshot(
        BuildRequest(
            ledger=ledger,
            assets=parse_asset_list("BTC:8,ETH:8,USDT:8,USD:2"),
            snapshot_id=SNAPSHOT,
            master_key_file=tmp_path / "keys" / "master.key",
            signing_key_file=tmp_path / "keys" / "signing.key",
            out=out,
            exchange=EXCHANGE,
            taken_at="2026-11-23T00:00:00Z",
            reserves=reserves,
        )
    )
    return out


def assert_clean(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} in {where}: ...{text[max(0, text.find(secret) - 80) :][:160]}..."


def assert_clean_result(where: str, result: Result) -> None:
    assert_clean(f"{where} stdout", result.stdout)
    assert_clean(f"{where} stderr", result.stderr)


def assert_clean_tree(where: str, folder: Path) -> int:
    files = [p for p in folder.rglob("*") if p.is_file()]
    for p in files:
        assert_clean(f"{where}/{p.relative_to(folder)}", p.read_bytes().decode("utf-8", "replace"))
    return len(files)


@pytest.mark.parametrize("chain_id", [1, 56], ids=["honest", "another-chain"])
def test_no_output_shows_the_node_urls_secrets(tmp_path: Path, keys, chain_id: int) -> None:
    sc = make_scenario(keys)
    decl, sigs = tmp_path / "reserves.toml", tmp_path / "signatures.csv"
    decl.write_text(sc.toml)
    sigs.write_text(sc.signatures_csv())
    honest_fake = node_for(sc)
    with node_server(json_rpc_node(honest_fake)) as honest:
        option = f"ethereum={secret_url(honest)}"
        out = tmp_path / "reserves.json"
        attested = invoke(
            ["reserves", "attest", str(decl), "--public-key", SIGNING_KEY, "--signatures", str(sigs), "--out",
             str(out), "--node", option]
        )
        assert attested.exit_code == 0, attested.output
        assert honest.seen.requests  # the node was asked, with the URL's secrets
    assert_clean_result("attest", attested)
    assert_clean("reserves.json", out.read_text())

    snap = built_snapshot(tmp_path, out)
    with node_server(json_rpc_node(node_for(sc), chain_id)) as verifier:
        option = f"ethereum={secret_url(verifier)}"
        verified = [
            invoke(["reserves", "verify", str(out), "--node", option]),
            invoke(["reserves", "verify", str(out), "--node", option, "--json"]),
        ]
        html = tmp_path / "report.html"
        reports = [
            invoke(["report", str(snap), "--node", option, "--html", str(html)]),
            invoke(["report", str(snap), "--node", option, "--json"]),
        ]
        site = tmp_path / "site"
        published = invoke(["publish", str(snap), "--static", str(site), "--node", option])
        try:
            catalog = load_catalog([snap], VerifierSettings((option,), default_registry()))
        except FetchError as e:  # a server does not start on a node of another chain
            assert chain_id != 1
            assert e.code == "wrong-chain"
            assert_clean("serve's error", e.message + json.dumps(e.evidence))
            answers = []
        else:
            try:
                api = TestClient(create_app(catalog))
                answers = [api.get(f"/api/snapshots/{SNAPSHOT}"), api.get(f"/api/snapshots/{SNAPSHOT}/reserves")]
            finally:
                catalog.close()
        assert len(verifier.seen.requests) >= 4  # every verifier asked the node

    if chain_id == 1:
        doc = json.loads(reports[1].stdout)["snapshots"][0]
        lines = {a["asset"]: a["status"] for a in doc["assets"]}
        assert (lines["ETH"], lines["USDT"]) == ("PASS", "PASS"), lines  # re-read from the verifier's node
        assert doc["nodes"] == {"ethereum": f"ethereum JSON-RPC {verifier.url}"}  # named by scheme and host
        assert published.exit_code == 0, published.output
        assert assert_clean_tree("static site", site) > 3
        assert "summary.json" in {p.name for p in site.rglob("*")}
        assert [a.status_code for a in answers] == [200, 200]
    else:  # every command fails, naming the node by scheme and host only
        for result in (*verified, *reports, published):
            assert result.exit_code != 0
            assert (verifier.url in result.output and "wrong-chain" in result.output) or "id 56" in result.output
    for i, result in enumerate(verified):
        assert_clean_result(f"reserves verify #{i}", result)
    for i, result in enumerate(reports):
        assert_clean_result(f"report #{i}", result)
    if html.exists():
        assert_clean("report.html", html.read_text())
    assert_clean_result("publish --static", published)
    if site.exists():
        assert_clean_tree("static site", site)
    for answer in answers:
        assert_clean(f"API {answer.url}", answer.text)


def test_an_unreachable_node_and_a_malformed_option_show_no_secret(tmp_path: Path, keys) -> None:
    sc = make_scenario(keys)
    decl, sigs = tmp_path / "reserves.toml", tmp_path / "signatures.csv"
    decl.write_text(sc.toml)
    sigs.write_text(sc.signatures_csv())
    with node_server(json_rpc_node(node_for(sc))) as gone:
        url = secret_url(gone)
    args = ["reserves", "attest", str(decl), "--public-key", SIGNING_KEY, "--signatures", str(sigs),
            "--out", str(tmp_path / "r.json")]
    for option in (
        f"ethereum={url}",  # nothing listens there any more
        url,  # no CHAIN= (the query's "=" is not one)
        f"dogecoin={url}",  # an unknown chain
        "ethereum=ftp://alice-user:pa55-word@host/PATHKEY123",  # not http(s)
    ):
        result = invoke([*args, "--node", option])
        assert result.exit_code == 2, result.output
        assert_clean_result(f"attest --node {option[:8]}", result)
    assert not (tmp_path / "r.json").exists()
