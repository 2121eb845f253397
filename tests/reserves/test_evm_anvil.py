"""The Ethereum balance source and the whole attest/re-check flow against a real local node (anvil)."""

from __future__ import annotations

import dataclasses
import secrets

import pytest

from solvent.errors import VerificationError
from solvent.reserves.attest import attest
from solvent.reserves.block import BlockPin
from solvent.reserves.chains import CHAINS, eip55, normalize_address
from solvent.reserves.devchain import DevChain
from solvent.reserves.signers import ethereum_address
from solvent.reserves.sources.evm import EvmRpcSource
from solvent.reserves.verify import check_attestation
from tests.reserves.scenario import make_scenario

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
    att = attest(sc.declaration(), sc.signatures(eth_pin=pin), {"ethereum": source})
    eth1 = {b.asset: b for b in att.wallets[0].balances}
    assert (eth1["ETH"].amount, eth1["USDT"].amount) == (2 * 10**8, 5 * 10**8)
    result = check_attestation(att, {"ethereum": source})
    assert all(w.ok for w in result.wallets)
    assert {w.rechecked_by for w in result.wallets if w.wallet.chain == "ethereum"} == {source.description}
    # a published file claiming more than the chain held at the pin: that wallet is not counted
    inflated = dataclasses.replace(eth1["ETH"], chain_amount=3 * 10**18, amount=3 * 10**8)
    forged_wallet = dataclasses.replace(att.wallets[0], balances=(inflated, eth1["USDT"]))
    forged = dataclasses.replace(att, wallets=(forged_wallet, *att.wallets[1:]))
    bad = [w for w in check_attestation(forged, {"ethereum": source}).wallets if not w.ok]
    assert [(w.wallet.address, w.error.code) for w in bad] == [(sc.eth[0], "balance-mismatch")]


def test_token_declared_with_other_decimals_than_the_contract(keys, chain, source, token_contract) -> None:
    sc, pin = _funded_scenario(keys, chain, token_contract, usdt_decimals_declared=18)
    with pytest.raises(VerificationError) as e:
        attest(sc.declaration(), sc.signatures(eth_pin=pin), {"ethereum": source})
    assert e.value.code == "decimals-mismatch"
    assert (e.value.evidence["declared"], e.value.evidence["on_chain"]) == ("18", "6")


def test_attest_against_a_reorganised_node(keys, chain, source, token_contract) -> None:
    sc, pin = _funded_scenario(keys, chain, token_contract)
    orphaned = BlockPin("ethereum", pin.height, "12" * 32)
    sc2 = make_scenario(keys, eth_pin=orphaned, usdt=sc.toml.split('contract = "')[1].split('"')[0])
    with pytest.raises(VerificationError) as e:
        attest(sc2.declaration(), sc2.signatures(eth_pin=orphaned), {"ethereum": source})
    assert e.value.code == "block-mismatch"
