"""The demo's reserves half end to end: five chains, tokens, fresh keys, attestation, then `solvent report`."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from solvent.protocol.assets import parse_asset_list
from solvent.reserves.sources.http import HttpClient
from tests.cli_invoke import invoke
from tests.reserves.helpers import write_snapshot
from tests.reserves.scenario import SIGNING_KEY

pytestmark = pytest.mark.integration

ASSETS = "BTC:8,ETH:8,USDT:8,USDC:8,USD:2"
LIABILITIES = {
    "BTC": 12_345_678_901,
    "ETH": 98_765_432_100,
    "USDT": 5_000_000_000_000,
    "USDC": 7_000_000_000_000,
    "USD": 123_456_789,
}


def _run(tmp_path: Path, *, insolvent: bool, variants: dict[str, tuple[bool, bool]] | None = None) -> tuple:
    """The demo's reserves, then `solvent report` with the node and the demo's own token contracts.

    ``variants``: further reports of the same snapshot, name -> (with --node, with --token), while
    the node still runs.
    """
    from solvent.demo.reserves import prepare_demo_reserves

    demo = prepare_demo_reserves(
        tmp_path / "work",
        exchange="Demo Exchange",
        snapshot_id="2026-11-23",
        assets=parse_asset_list(ASSETS),
        liabilities=LIABILITIES,
        insolvent=insolvent,
        signing_key=SIGNING_KEY,  # write_snapshot signs with the scenarios' key
    )
    try:
        snap = write_snapshot(
            tmp_path / "snap",
            exchange="Demo Exchange",
            snapshot_id="2026-11-23",
            liabilities=LIABILITIES,
            reserves=demo.reserves_json.read_bytes(),
            taken_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),  # the blocks were just mined
        )
        node = [x for option in demo.node_options for x in ("--node", option)]
        tokens = [f"--token={t}" for t in demo.token_options]
        result = invoke(["report", str(snap), "--json", *node, *tokens])
        others = {}
        for name, (with_node, with_tokens) in (variants or {}).items():
            args = ["report", str(snap), "--json", *(node if with_node else []), *(tokens if with_tokens else [])]
            others[name] = json.loads(invoke(args).stdout)
        wallets = json.loads(demo.reserves_json.read_bytes())["wallets"]
        with HttpClient(demo.rpc_url) as rpc:
            latest_eth = sum(
                int(rpc.rpc("eth_getBalance", [w["address"], "latest"]), 16)
                for w in wallets
                if w["chain"] == "ethereum"
            )
        return result.exit_code, json.loads(result.stdout), demo, latest_eth, others
    finally:
        demo.stop()


def test_solvent_demo_reports_observed_ethereum_and_declared_bitcoin(tmp_path: Path) -> None:
    variants = {"no --token": (True, False), "no --node": (False, True)}
    code, report, demo, _, others = _run(tmp_path, insolvent=False, variants=variants)
    assert not demo.anvil.running and not any(s.running for s in demo.services)  # the handle stops every node
    snapshot = report["snapshots"][0]
    status = {a["asset"]: a["status"] for a in snapshot["assets"]}
    assert status == {"BTC": "DECLARED", "ETH": "PASS", "USDT": "PASS", "USDC": "PASS", "USD": "DECLARED"}
    # the demo writes solvent-reserves/3: every wallet's challenge named the manifest key
    assert (snapshot["reserves_format"], snapshot["reserves_key_bound"]) == ("solvent-reserves/3", True)
    assert {w["key_bound"] for w in snapshot["wallets"]} == {True}
    assert code == 1  # declared-only assets do not pass without --allow-declared
    lines = {a["asset"]: a for a in snapshot["assets"]}
    # funded with a 5 % surplus at the pinned block (later transfers are not counted)
    assert int(lines["ETH"]["observed_reserves"]) == LIABILITIES["ETH"] + LIABILITIES["ETH"] // 20
    assert int(lines["USDT"]["observed_reserves"]) == LIABILITIES["USDT"] * 105 // 100
    # USDT and USDC spread over chains: every part counted (Tron's and Solana's at their latest block)
    assert int(lines["USDC"]["observed_reserves"]) == LIABILITIES["USDC"] * 105 // 100
    assert {w["chain"] for w in snapshot["wallets"] if w["balances_rechecked_by"]} == {
        "ethereum",
        "polygon",
        "tron",
        "solana",
    }
    assert {w["chain"] for w in snapshot["wallets"]} == {"ethereum", "polygon", "bitcoin", "tron", "solana"}
    assert {w["scheme"] for w in snapshot["wallets"]} == {
        "eip191",
        "bip322-simple",
        "bip137",
        "multisig",
        "safe",
        "tip191-v2",
        "solana-offchain",
    }
    assert all(w["valid"] for w in snapshot["wallets"])
    # the demo's tokens are its own contracts: recognised only because it passes them explicitly
    unrecognised = {a["asset"]: a["status"] for a in others["no --token"]["snapshots"][0]["assets"]}
    assert (unrecognised["ETH"], unrecognised["USDT"], unrecognised["USDC"]) == ("PASS", "DECLARED", "DECLARED")
    # and without the verifier's own node nothing on chain counts as observed
    unread = {a["asset"]: a["status"] for a in others["no --node"]["snapshots"][0]["assets"]}
    assert (unread["ETH"], unread["USDT"], unread["USDC"]) == ("DECLARED", "DECLARED", "DECLARED")


def test_insolvent_demo_fails_the_short_asset(tmp_path: Path) -> None:
    code, report, demo, latest_eth, _ = _run(tmp_path, insolvent=True)
    status = {a["asset"]: a["status"] for a in report["snapshots"][0]["assets"]}
    assert demo.short_asset == "ETH"
    assert status == {"BTC": "DECLARED", "ETH": "FAIL", "USDT": "PASS", "USDC": "PASS", "USD": "DECLARED"}
    assert code == 1
    line = next(a for a in report["snapshots"][0]["assets"] if a["asset"] == "ETH")
    assert int(line["surplus"]) < 0
    # control: the later transfers cover the shortfall, so reading the latest state would have passed
    assert latest_eth // 10**10 >= LIABILITIES["ETH"]
