"""reserves.json wallet entries of every scheme: the field set follows the scheme exactly.

Multisig and Safe wallets carry ``signers`` (and ``script`` / ``safe``) instead of one
``signature``; wallets of chains without history (Tron, Solana) record the latest block
their balances were observed at.  Each malformation is a FormatError naming the field.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from solvent.protocol.errors import FormatError
from solvent.reserves.reserves_json import parse_attestation
from tests.report.fixtures import declared_attestation

BASE = json.loads(declared_attestation().to_json())
HASH = "ab" * 32
PIN = {"height": 100, "hash": HASH, "time": "2026-11-22T23:00:00Z"}
SCRIPT = {"type": "p2wsh", "hex": "52" + "21" + "02" + "11" * 32 + "21" + "03" + "22" * 32 + "52ae"}
KEY = "02" + "11" * 32


def _doc(wallet: dict[str, Any], assets: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    if assets:
        doc["assets"] = doc["assets"] + assets
    doc["wallets"] = [wallet]
    return doc


def _balance(asset: str, decimals: int, contract: str | None = None, source: str = "observed") -> dict[str, Any]:
    return {
        "asset": asset,
        "contract": contract,
        "chain_decimals": decimals,
        "chain_amount": "1000",
        "amount": "1000" if decimals <= 8 else "0",
        "source": source,
    }


MULTISIG = {
    "chain": "bitcoin",
    "address": "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
    "label": "",
    "block": PIN,
    "scheme": "multisig",
    "script": SCRIPT,
    "signers": [{"key": KEY, "scheme": "bip137", "signature": "AA=="}],
    "balances": [_balance("BTC", 8)],
}
SAFE = {
    "chain": "ethereum",
    "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "label": "",
    "block": PIN,
    "scheme": "safe",
    "safe": {"owners": ["0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"], "threshold": 1},
    "signers": [{"owner": "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "signature": "0x00"}],
    "balances": [
        {
            "asset": "ETH",
            "contract": None,
            "chain_decimals": 18,
            "chain_amount": "10000000000",
            "amount": "1",
            "source": "observed",
        }
    ],
}
TRON = {
    "chain": "tron",
    "address": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
    "label": "",
    "block": PIN,
    "scheme": "tip191-v2",
    "signature": "0x00",
    "observed": {"height": 120, "hash": "cd" * 32, "time": "2026-11-22T23:01:00Z"},
    "balances": [_balance("TRX", 6)],
}


def _parse(doc: dict[str, Any]) -> Any:
    return parse_attestation(json.dumps(doc).encode())


def test_well_formed_entries_parse_and_round_trip() -> None:
    for wallet, extra in ((MULTISIG, None), (SAFE, None), (TRON, [{"symbol": "TRX", "decimals": 6}])):
        att = _parse(_doc(wallet, extra))
        again = parse_attestation(att.to_json())
        assert again == att
        assert json.loads(att.to_json())["wallets"][0].keys() == wallet.keys()


def _without(d: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != key}


TRX = [{"symbol": "TRX", "decimals": 6}]
CASES = {
    "multisig with a single signature field": ({**MULTISIG, "signature": "AA=="}, None, "signature"),
    "multisig without its script": (_without(MULTISIG, "script"), None, "script"),
    "multisig without signers": ({**MULTISIG, "signers": []}, None, "signers"),
    "multisig signer key uncompressed": (
        {**MULTISIG, "signers": [{"key": "04" + "11" * 64, "scheme": "bip137", "signature": "AA=="}]},
        None,
        "key",
    ),
    "multisig signer scheme of EVM": (
        {**MULTISIG, "signers": [{"key": KEY, "scheme": "eip191", "signature": "AA=="}]},
        None,
        "scheme",
    ),
    "script type unknown": ({**MULTISIG, "script": {"type": "p2tr", "hex": "51"}}, None, "type"),
    "script in upper-case hex": ({**MULTISIG, "script": {"type": "p2wsh", "hex": "AE"}}, None, "hex"),
    "safe without owners": (_without(SAFE, "safe"), None, "safe"),
    "safe threshold above owners": ({**SAFE, "safe": {**SAFE["safe"], "threshold": 2}}, None, "threshold"),
    "safe owner twice": ({**SAFE, "safe": {"owners": [SAFE["safe"]["owners"][0]] * 2, "threshold": 1}}, None, "twice"),
    "safe owner not canonical": (
        {**SAFE, "signers": [{"owner": SAFE["signers"][0]["owner"].lower(), "signature": "0x00"}]},
        None,
        "canonical",
    ),
    "bip322-full on ethereum": ({**SAFE, "scheme": "bip322-full"}, None, "scheme"),
    "tron without its observed block": (_without(TRON, "observed"), TRX, "observed"),
    "tron observed null with observed balances": ({**TRON, "observed": None}, TRX, "observed"),
    "tron observed before the pin": (
        {**TRON, "observed": {**TRON["observed"], "height": 99}},
        TRX,
        "before the pinned block",
    ),
    "tron observed hash with 0x": ({**TRON, "observed": {**TRON["observed"], "hash": "0x" + "cd" * 32}}, TRX, "hash"),
    "tron observed with only declared balances": (
        {**TRON, "balances": [_balance("TRX", 6, source="declared")]},
        TRX,
        "observed",
    ),
    "ethereum wallet with an observed block": ({**SAFE, "observed": TRON["observed"]}, None, "observed"),
    "tron scheme on solana": (
        {**TRON, "chain": "solana", "address": "11111111111111111111111111111111"},
        [{"symbol": "SOL", "decimals": 9}],
        "scheme",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_entries(name: str) -> None:
    wallet, extra, needle = CASES[name]
    with pytest.raises(FormatError) as e:
        _parse(_doc(wallet, extra))
    assert needle in e.value.message


def test_two_wallets_of_a_chain_without_history_share_one_observed_block() -> None:
    other = {**TRON, "address": "TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8", "observed": {**TRON["observed"], "height": 121}}
    doc = _doc(TRON, TRX)
    doc["wallets"].append(other)
    with pytest.raises(FormatError) as e:
        _parse(doc)
    assert e.value.code == "block-mismatch"
    other["observed"] = TRON["observed"]
    assert len(_parse(doc).wallets) == 2


def test_a_single_key_file_of_the_previous_writer_reads_and_writes_back_byte_for_byte() -> None:
    """The new wallet kinds were added to solvent-reserves/3 before its release: a file of
    single-key wallets written by the earlier /3 writer (tests/reserves/vectors, made with it)
    parses, verifies its signatures, and is written again as exactly the same bytes."""
    from pathlib import Path

    from solvent.reserves.recheck import check_attestation

    raw = (Path(__file__).parent / "vectors" / "reserves-v3-single-key-previous-writer.json").read_bytes()
    att = parse_attestation(raw)
    assert att.to_json() == raw
    check = check_attestation(att, signing_key=att.signing_key)
    assert check.wallets and all(wc.ok for wc in check.wallets)
