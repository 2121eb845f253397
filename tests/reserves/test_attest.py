"""The operator's attestation pipeline with a test-double node (the real nodes: see the integration tests)."""

from __future__ import annotations

import dataclasses

import pytest

from solvent.protocol.errors import BadSignature, FetchError, InputError, VerificationError
from solvent.reserves.attest import attest, parse_signatures
from solvent.reserves.reserves_json import parse_attestation
from tests.reserves.fakes import node_for
from tests.reserves.scenario import ETH_PIN, SIGNING_KEY, make_scenario


def test_attestation_observes_ethereum_and_declares_bitcoin(keys) -> None:
    sc = make_scenario(keys)
    att = attest(sc.declaration(), sc.signatures(), {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)
    by_address = {w.address.text: w for w in att.wallets}
    eth1 = {b.asset: b for b in by_address[sc.eth[0].text].balances}
    # 3.000000000000000123 ETH -> 300000000 at 8 decimals (rounded down); 2.5 USDT (6) -> 250000000 (8)
    assert (eth1["ETH"].amount, eth1["ETH"].source) == (300_000_000, "observed")
    assert (eth1["USDT"].amount, eth1["USDT"].chain_amount) == (250_000_000, 2_500_000)
    btc = {b.asset: b for b in by_address[sc.btc["p2wpkh"].text].balances}
    assert (btc["BTC"].amount, btc["BTC"].source) == (125_000_000, "declared")
    assert by_address[sc.btc["p2pkh"].text].scheme == "bip137"
    assert by_address[sc.btc["p2tr"].text].scheme == "bip322-simple"
    assert [(o.asset, o.amount) for o in att.offchain] == [("USD", 100050)]
    assert parse_attestation(att.to_json()) == att


def test_declared_only_attestation_without_nodes(keys) -> None:
    sc = make_scenario(keys, eth_declared=True)
    att = attest(sc.declaration(), sc.signatures(), {}, signing_key=SIGNING_KEY)
    assert {b.source for w in att.wallets for b in w.balances} == {"declared"}


def test_token_with_other_decimals_than_declared(keys) -> None:
    sc = make_scenario(keys)
    with pytest.raises(VerificationError) as e:
        attest(sc.declaration(), sc.signatures(), {"ethereum": node_for(sc, decimals=18)}, signing_key=SIGNING_KEY)
    assert e.value.code == "decimals-mismatch"
    assert e.value.evidence["on_chain"] == "18"


def test_signature_by_another_key_stops_the_attestation(keys) -> None:
    sc = make_scenario(keys)
    with pytest.raises(BadSignature):
        signatures = sc.signatures(signer_override={"btc_tr": keys["other"]})
        attest(sc.declaration(), signatures, {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)


def test_signature_for_another_snapshot_stops_the_attestation(keys) -> None:
    sc = make_scenario(keys)
    with pytest.raises(BadSignature):
        signatures = sc.signatures(snapshot_id="2026-10-23")
        attest(sc.declaration(), signatures, {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)


def test_node_on_another_branch_stops_the_attestation(keys) -> None:
    sc = make_scenario(keys)
    node = node_for(sc)
    node.blocks = {ETH_PIN.height: "bb" * 32}
    with pytest.raises(VerificationError) as e:
        attest(sc.declaration(), sc.signatures(), {"ethereum": node}, signing_key=SIGNING_KEY)
    assert e.value.code == "block-mismatch"


def test_unreachable_node(keys) -> None:
    sc = make_scenario(keys)
    with pytest.raises(FetchError):
        attest(sc.declaration(), sc.signatures(), {"ethereum": node_for(sc, reachable=False)}, signing_key=SIGNING_KEY)


def test_missing_signature_and_foreign_signature(keys) -> None:
    sc = make_scenario(keys)
    sigs = sc.signatures()
    missing = dict(sigs)
    del missing[("bitcoin", sc.btc["p2tr"].key)]
    with pytest.raises(InputError, match="no signature"):
        attest(sc.declaration(), missing, {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)
    extra = {**sigs, ("ethereum", b"\x01" * 20): "0x00"}
    with pytest.raises(InputError, match="not declared"):
        attest(sc.declaration(), extra, {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)


def test_declared_amount_on_a_chain_read_from_a_node_is_refused(keys) -> None:
    sc = make_scenario(keys, eth_declared=True)
    with pytest.raises(InputError, match="declared amount"):
        attest(sc.declaration(), sc.signatures(), {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)


def test_no_node_and_nothing_declared(keys) -> None:
    sc = make_scenario(keys)
    with pytest.raises(InputError, match="no --node"):
        attest(sc.declaration(), sc.signatures(), {}, signing_key=SIGNING_KEY)


def test_signatures_csv_rejects_duplicates_in_any_spelling(keys) -> None:
    sc = make_scenario(keys)
    text = sc.signatures_csv()
    first_eth = text.splitlines()[1]
    chain, address, sig = first_eth.split(",")
    duplicate = text + f"{chain},{address.lower()},{sig}\n"
    with pytest.raises(InputError) as e:
        parse_signatures(duplicate.encode())
    assert e.value.code == "duplicate-address"


def test_conversion_is_checked_when_parsing(keys) -> None:
    sc = make_scenario(keys)
    att = attest(sc.declaration(), sc.signatures(), {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)
    wallet = att.wallets[0]
    inflated = dataclasses.replace(wallet.balances[0], amount=wallet.balances[0].amount + 1)
    forged = dataclasses.replace(att, wallets=(dataclasses.replace(wallet, balances=(inflated,)), *att.wallets[1:]))
    from solvent.protocol.errors import FormatError

    with pytest.raises(FormatError) as e:
        parse_attestation(forged.to_json())
    assert e.value.code == "conversion"
