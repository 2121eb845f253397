"""Amounts the exchange calls "observed" count as observed only when the verifier re-read them (review finding 3).

Before the fix, `solvent report` without --node counted them as PASS and exited 0,
although nobody but the exchange had read them.  Now they count like declared amounts
and every output says how to re-read them.  With a node they pass: test_demo.py does
that on a real anvil node; here the control uses the test-double node.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from solvent.pipeline.report import assess_snapshot, load_snapshot
from solvent.protocol.assets import parse_asset_list
from solvent.reserves.attest import attest
from tests.cli_invoke import invoke
from tests.reserves.fakes import node_for
from tests.reserves.helpers import write_snapshot
from tests.reserves.scenario import SIGNING_KEY, make_scenario

pytestmark = pytest.mark.integration  # runs the CLI
HINT = "run with --node ethereum=URL of your own node to re-read"
# the test-double node holds 3.000000000000000123 + 1 ETH and 2.5 USDT at the pin: exactly the liabilities
LIABILITIES = {"ETH": 400_000_000, "USDT": 250_000_000}


@pytest.fixture
def keys() -> dict[str, bytes]:
    return {n: secrets.token_bytes(32) for n in ("eth1", "eth2", "btc_wpkh", "btc_tr", "btc_pkh", "other")}


def observed_snapshot(tmp_path: Path, keys) -> tuple[Path, object]:
    sc = make_scenario(keys)
    node = node_for(sc)
    att = attest(sc.declaration(), sc.signatures(), {"ethereum": node}, signing_key=SIGNING_KEY)
    assert {b.source for w in att.wallets if w.chain == "ethereum" for b in w.balances} == {"observed"}
    snap = write_snapshot(
        tmp_path / "snap",
        exchange="Test Exchange",
        snapshot_id="2026-11-23",
        liabilities=LIABILITIES,
        assets=parse_asset_list("BTC:8,ETH:8,USDT:8,USD:2"),
        reserves=att.to_json(),
    )
    return snap, node


def test_without_a_node_observed_amounts_are_declared_and_the_report_does_not_pass(tmp_path: Path, keys) -> None:
    snap, _ = observed_snapshot(tmp_path, keys)
    html = tmp_path / "r.html"
    result = invoke(["report", str(snap), "--json", "--html", str(html)])
    assert result.exit_code == 1  # was 0: "PASS" on the exchange's word alone
    doc = json.loads(result.stdout)["snapshots"][0]
    lines = {a["asset"]: a for a in doc["assets"]}
    assert [(lines[s]["status"], lines[s]["observed_reserves"]) for s in ("ETH", "USDT")] == [
        ("DECLARED", "0"),
        ("DECLARED", "0"),
    ]
    assert lines["ETH"]["declared_onchain"] == "400000000"
    eth_balances = [b for w in doc["wallets"] if w["chain"] == "ethereum" for b in w["balances"]]
    assert {b["counted_as"] for b in eth_balances} == {"declared"}
    assert all(HINT in " ".join(b["notes"]) for b in eth_balances)
    assert any(HINT in note for note in doc["notes"])
    assert HINT in html.read_text()
    text = invoke(["report", str(snap)])
    assert HINT in text.stdout
    assert invoke(["report", str(snap), "--allow-declared"]).exit_code == 0


def test_control_the_verifiers_own_node_makes_them_observed(tmp_path: Path, keys) -> None:
    snap, node = observed_snapshot(tmp_path, keys)
    report = assess_snapshot(load_snapshot(snap), {"ethereum": node})
    assert {ln.symbol: ln.status for ln in report.lines if ln.symbol in LIABILITIES} == {"ETH": "PASS", "USDT": "PASS"}
    assert report.passed()
    assert not report.notes


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_every_output_shows_token_contracts_and_block_times(tmp_path: Path, keys, fmt: str) -> None:
    """Review findings 1(c) and 2: the contract of each token balance, and the pinned block's time."""
    snap, _ = observed_snapshot(tmp_path, keys)
    html = tmp_path / "r.html"
    args = ["report", str(snap), "--html", str(html), *(["--json"] if fmt == "json" else [])]
    result = invoke(args)
    shown = html.read_text() if fmt == "html" else result.stdout
    assert "0xdAC17F958D2ee523a2206206994597C13D831ec7" in shown  # the scenario's USDT contract
    assert "2026-11-22T23:00:00Z" in shown  # the test-double node's block time, recorded in reserves.json
