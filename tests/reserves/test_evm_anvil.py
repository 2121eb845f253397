"""The Ethereum balance source and the whole attest/re-check flow against a real local node (anvil)."""

from __future__ import annotations

import dataclasses
import json
import secrets
import time

import pytest

from solvent.demo.devchain import DevChain
from solvent.demo.signers import ethereum_address
from solvent.protocol.errors import VerificationError
from solvent.reserves.attest import attest
from solvent.reserves.chains import CHAINS, eip55, normalize_address
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.recheck import check_attestation
from solvent.reserves.sources.evm import EvmRpcSource
from tests.reserves.scenario import SIGNING_KEY, make_scenario

pytestmark = pytest.mark.integration
ETH = CHAINS["ethereum"]


@pytest.fixture
def chain(anvil):
    dev = DevChain(anvil.url)
    try:
        yield dev
    finally:
        dev.close()


@pytest.fixture
def source(anvil):
    src = EvmRpcSource("ethereum", anvil.url)
    try:
        yield src
    finally:
        src.close()


def test_balances_are_read_at_the_pinned_block_not_the_latest(chain, source, token_contract) -> None:
    wallet = ethereum_address(secrets.token_bytes(32))
    token = normalize_address(ETH, eip55(chain.deploy(token_contract, "Tether", "USDT", 6, 10**15)))
    chain.send_eth(wallet.key, 5 * 10**18)
    chain.transfer_token(token.key, wallet.key, 1_234_567)
    pin = BlockPin("ethereum", *chain.head())
    chain.send_eth(wallet.key, 7 * 10**18)  # later transfers
    chain.transfer_token(token.key, wallet.key, 1)
    source.check_block(pin)
    assert source.native_balance(wallet, pin) == 5 * 10**18
    assert source.token_balance(token, wallet, pin) == 1_234_567
    assert source.token_decimals(token, pin) == 6
    # control: the latest state differs, so the pinned read is what made the difference
    latest = int(chain.rpc.rpc("eth_getBalance", [wallet.text, "latest"]), 16)
    assert latest == 12 * 10**18


def test_wrong_block_hash_and_missing_block(chain, source) -> None:
    height, block_hash = chain.head()
    with pytest.raises(VerificationError) as e:
        source.check_block(BlockPin("ethereum", height, "ab" * 32))
    assert e.value.code == "block-mismatch"
    assert e.value.evidence["node_hash"] == block_hash
    with pytest.raises(VerificationError) as e:
        source.check_block(BlockPin("ethereum", height + 10_000, "ab" * 32))
    assert e.value.code == "block-missing"


def test_address_without_a_contract_is_not_a_token(chain, source) -> None:
    pin = BlockPin("ethereum", *chain.head())
    nothing = normalize_address(ETH, "0x" + secrets.token_bytes(20).hex())
    with pytest.raises(VerificationError) as e:
        source.token_decimals(nothing, pin)
    assert e.value.code == "token-contract"


def _funded_scenario(keys, chain, token_contract, *, usdt_decimals_declared: int = 6):
    token = eip55(chain.deploy(token_contract, "Tether", "USDT", 6, 10**15))
    sc0 = make_scenario(keys)
    for wallet in sc0.eth:
        chain.send_eth(wallet.key, 2 * 10**18)
    chain.transfer_token(bytes.fromhex(token[2:]), sc0.eth[0].key, 5_000_000)
    pin = BlockPin("ethereum", *chain.head())
    chain.send_eth(sc0.eth[0].key, 10**18)
    return make_scenario(keys, eth_pin=pin, usdt=token, usdt_decimals=usdt_decimals_declared), pin


def test_attest_and_recheck_against_the_node(keys, chain, source, token_contract) -> None:
    sc, pin = _funded_scenario(keys, chain, token_contract)
    att = attest(sc.declaration(), sc.signatures(eth_pin=pin), {"ethereum": source}, signing_key=SIGNING_KEY)
    eth1 = {b.asset: b for b in att.wallets[0].balances}
    assert (eth1["ETH"].amount, eth1["USDT"].amount) == (2 * 10**8, 5 * 10**8)
    result = check_attestation(att, {"ethereum": source}, signing_key=SIGNING_KEY)
    assert all(w.ok for w in result.wallets)
    assert {w.rechecked_by for w in result.wallets if w.wallet.chain == "ethereum"} == {source.description}
    # a published file claiming more than the chain held at the pin: that wallet is not counted
    inflated = dataclasses.replace(eth1["ETH"], chain_amount=3 * 10**18, amount=3 * 10**8)
    forged_wallet = dataclasses.replace(att.wallets[0], balances=(inflated, eth1["USDT"]))
    forged = dataclasses.replace(att, wallets=(forged_wallet, *att.wallets[1:]))
    bad = [w for w in check_attestation(forged, {"ethereum": source}, signing_key=SIGNING_KEY).wallets if not w.ok]
    assert [(w.wallet.address, w.error.code) for w in bad] == [(sc.eth[0], "balance-mismatch")]


def test_a_token_held_by_two_wallets_is_asked_its_decimals_once(
    keys, chain, source, token_contract, monkeypatch
) -> None:
    from solvent.reserves.sources.evm import selector

    token = eip55(chain.deploy(token_contract, "Tether", "USDT", 6, 10**15))
    sc0 = make_scenario(keys)
    for i, wallet in enumerate(sc0.eth):
        chain.send_eth(wallet.key, 10**18)
        chain.transfer_token(bytes.fromhex(token[2:]), wallet.key, (i + 1) * 1_000_000)
    pin = BlockPin("ethereum", *chain.head())
    sc = make_scenario(keys, eth_pin=pin, usdt=token)
    both = sc.toml.replace('assets = ["ETH"]\n', 'assets = ["ETH", "USDT"]\n', 1)
    assert both != sc.toml
    sc = dataclasses.replace(sc, toml=both)
    asked: list[str] = []
    real_rpc = source._http.rpc

    def counting_rpc(method, params):
        if method == "eth_call":
            asked.append(params[0]["data"][:10])
        return real_rpc(method, params)

    monkeypatch.setattr(source._http, "rpc", counting_rpc)
    att = attest(sc.declaration(), sc.signatures(eth_pin=pin), {"ethereum": source}, signing_key=SIGNING_KEY)
    assert [b.amount for w in att.wallets[:2] for b in w.balances if b.asset == "USDT"] == [10**8, 2 * 10**8]
    assert all(w.ok for w in check_attestation(att, {"ethereum": source}, signing_key=SIGNING_KEY).wallets)
    decimals, balance_of = "0x" + selector("decimals()").hex(), "0x" + selector("balanceOf(address)").hex()
    # attested and re-checked through one source: two wallets, two reads each, one decimals()
    assert (asked.count(decimals), asked.count(balance_of)) == (1, 4)


def test_token_declared_with_other_decimals_than_the_contract(keys, chain, source, token_contract) -> None:
    sc, pin = _funded_scenario(keys, chain, token_contract, usdt_decimals_declared=18)
    with pytest.raises(VerificationError) as e:
        attest(sc.declaration(), sc.signatures(eth_pin=pin), {"ethereum": source}, signing_key=SIGNING_KEY)
    assert e.value.code == "decimals-mismatch"
    assert (e.value.evidence["declared"], e.value.evidence["on_chain"]) == ("18", "6")


def test_attest_against_a_reorganised_node(keys, chain, source, token_contract) -> None:
    sc, pin = _funded_scenario(keys, chain, token_contract)
    orphaned = BlockPin("ethereum", pin.height, "12" * 32)
    sc2 = make_scenario(keys, eth_pin=orphaned, usdt=sc.toml.split('contract = "')[1].split('"')[0])
    with pytest.raises(VerificationError) as e:
        attest(sc2.declaration(), sc2.signatures(eth_pin=orphaned), {"ethereum": source}, signing_key=SIGNING_KEY)
    assert e.value.code == "block-mismatch"


def test_check_block_returns_the_blocks_timestamp(chain, source) -> None:
    height, block_hash = chain.head()
    raw = chain.rpc.rpc("eth_getBlockByNumber", [hex(height), False])
    assert source.check_block(BlockPin("ethereum", height, block_hash)) == int(raw["timestamp"], 16)


def test_a_node_of_another_chain_is_refused(chain, source) -> None:
    """Review finding 7: "ethereum" must be read from a node whose eth_chainId is 1."""
    from solvent.demo.devchain import Anvil
    from solvent.protocol.errors import FetchError

    pin = BlockPin("ethereum", *chain.head())
    source.check_block(pin)  # control: the tests' node runs with Ethereum's chain id
    with Anvil(chain_id=31337) as other:
        wrong = EvmRpcSource("ethereum", other.url)
        try:
            other_pin = BlockPin("ethereum", 0, wrong._http.rpc("eth_getBlockByNumber", ["0x0", False])["hash"][2:])
            with pytest.raises(FetchError) as e:
                wrong.check_block(other_pin)
            assert e.value.code == "wrong-chain"
            assert (e.value.evidence["expected_chain_id"], e.value.evidence["node_chain_id"]) == ("1", "31337")
            with pytest.raises(FetchError):  # every read is refused, not only the block check
                wrong.native_balance(ethereum_address(secrets.token_bytes(32)), other_pin)
        finally:
            wrong.close()


def _self_minted_usdt(keys, chain, token_contract, tmp_path):
    """The reviewer's end-to-end attack: the exchange's own "Tether USD", attested as USDT, bound and signed."""
    from tests.reserves.helpers import write_snapshot

    fake = eip55(chain.deploy(token_contract, "Tether USD", "USDT", 6, 10**18))
    sc0 = make_scenario(keys, usdt=fake)
    for wallet in sc0.eth:
        chain.send_eth(wallet.key, 2 * 10**18)
    chain.transfer_token(bytes.fromhex(fake[2:]), sc0.eth[0].key, 1_000_000 * 10**6)
    pin = BlockPin("ethereum", *chain.head())
    sc = make_scenario(keys, eth_pin=pin, usdt=fake)
    src = EvmRpcSource("ethereum", chain.rpc.name)  # anvil's URL has no secrets: it is its shown name
    try:
        att = attest(sc.declaration(), sc.signatures(eth_pin=pin), {"ethereum": src}, signing_key=SIGNING_KEY)
    finally:
        src.close()
    taken_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(att.wallets[0].block_time + 60))
    snap = write_snapshot(
        tmp_path / "snap",
        exchange="Test Exchange",
        snapshot_id="2026-11-23",
        liabilities={"ETH": 4 * 10**8, "USDT": 10**14},  # 4 ETH, 1,000,000 USDT
        assets=att.assets,
        reserves=att.to_json(),
        taken_at=taken_at,
    )
    return fake, snap


def test_self_minted_usdt_on_a_real_node_is_flagged_not_counted(keys, chain, token_contract, tmp_path) -> None:
    """Review finding 1 end to end: every check passes, the contract is shown and flagged, USDT is not PASS."""
    from tests.cli_invoke import invoke

    fake, snap = _self_minted_usdt(keys, chain, token_contract, tmp_path)
    node = ["--node", f"ethereum={chain.rpc.name}"]
    result = invoke(["report", str(snap), "--json", *node, "--allow-declared"])
    report = json.loads(result.stdout)["snapshots"][0]
    status = {a["asset"]: a["status"] for a in report["assets"]}
    assert (status["ETH"], status["USDT"]) == ("PASS", "DECLARED")
    usdt = next(b for b in report["wallets"][0]["balances"] if b["asset"] == "USDT")
    assert usdt["contract"] == fake
    assert (usdt["recognised_contract"], usdt["counted_as"]) == (False, "declared")
    assert all(w["valid"] for w in report["wallets"])  # signatures, block, time and re-read balances are fine
    text = invoke(["report", str(snap), *node]).stdout
    assert fake in text and "UNRECOGNISED TOKEN CONTRACT" in text
    # the verifier who checked that contract and vouches for it says so explicitly
    vouched = invoke(["report", str(snap), "--json", *node, f"--token=ethereum:USDT={fake}"])
    statuses = {a["asset"]: a["status"] for a in json.loads(vouched.stdout)["snapshots"][0]["assets"]}
    assert statuses["USDT"] == "PASS"
    published = snap / "public"
    reserves, manifest = str(published / "reserves.json"), str(published / "snapshot.json")
    verify = invoke(["reserves", "verify", reserves, "--snapshot", manifest, *node])
    assert verify.exit_code == 0
    assert f"USDT contract {fake}; unrecognised token contract" in verify.stdout
