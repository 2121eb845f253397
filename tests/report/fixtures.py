"""An attestation made with real signatures (all balances declared) for report tests."""

from __future__ import annotations

import secrets

from solvent.reserves.attest import attest
from solvent.reserves.reserves_json import Attestation
from tests.reserves.scenario import SIGNING_KEY, make_scenario

# make_scenario's assets: BTC:8, ETH:8, USDT:8, USD:2
SCENARIO_ASSETS = "BTC:8,ETH:8,USDT:8,USD:2"


def declared_attestation(snapshot_id: str = "2026-11-23", signing_key: str = SIGNING_KEY) -> Attestation:
    """``signing_key``: the manifest key the challenges name (the scenario's by default)."""
    keys = {n: secrets.token_bytes(32) for n in ("eth1", "eth2", "btc_wpkh", "btc_tr", "btc_pkh", "other")}
    sc = make_scenario(keys, eth_declared=True, snapshot_id=snapshot_id)
    return attest(sc.declaration(), sc.signatures(signing_key=signing_key), {}, signing_key=signing_key)
