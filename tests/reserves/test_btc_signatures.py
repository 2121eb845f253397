"""Bitcoin ownership signatures against published vectors (BIP-322, bitcoinjs-message for BIP-137)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from embit import ec

from solvent.errors import BadSignature
from solvent.reserves.btc_sig import BIP137, BIP322_SIMPLE, bip137_digest, detect_scheme
from solvent.reserves.chains import CHAINS, normalize_address
from solvent.reserves.ecdsa import SECP256K1_N
from solvent.reserves.ownership import verify_ownership
from solvent.reserves.signers import (
    bip322_message_hash,
    bip322_to_sign,
    bip322_to_spend,
    bitcoin_address,
    sign_bip137,
    sign_bip322_simple,
)

VECTORS = Path(__file__).parent / "vectors"
BIP322 = json.loads((VECTORS / "bip322.json").read_text())
BIP137_FIXTURES = json.loads((VECTORS / "bip137-bitcoinjs-message.json").read_text())
BTC = CHAINS["bitcoin"]
SECRET = ec.PrivateKey.from_wif(BIP322["private_key_wif"]).secret


def addr(text: str):
    return normalize_address(BTC, text)


def test_the_bip_key_gives_the_bip_addresses() -> None:
    assert bitcoin_address(SECRET, "p2wpkh").text == BIP322["p2wpkh_address"]
    assert bitcoin_address(SECRET, "p2tr").text == BIP322["p2tr_address"]


@pytest.mark.parametrize("case", BIP322["message_hashes"], ids=lambda c: repr(c["message"]))
def test_bip322_message_hash(case: dict) -> None:
    assert bip322_message_hash(case["message"]).hex() == case["hash"]


@pytest.mark.parametrize("case", BIP322["transaction_hashes"], ids=lambda c: repr(c["message"]))
def test_bip322_virtual_transactions(case: dict) -> None:
    to_spend = bip322_to_spend(addr(BIP322["p2wpkh_address"]).key, case["message"])
    assert to_spend.txid().hex() == case["to_spend"]
    assert bip322_to_sign(to_spend.txid()).txid().hex() == case["to_sign"]


@pytest.mark.parametrize(
    "case", [c for c in BIP322["p2wpkh_signatures"] if c["deterministic"]], ids=lambda c: repr(c["message"])
)
def test_signer_reproduces_the_bip_signatures_byte_for_byte(case: dict) -> None:
    assert sign_bip322_simple(SECRET, addr(BIP322["p2wpkh_address"]), case["message"]) == case["signature"]


@pytest.mark.parametrize("case", BIP322["p2wpkh_signatures"], ids=lambda c: c["signature"][:12])
def test_published_p2wpkh_signatures_verify(case: dict) -> None:
    a = addr(BIP322["p2wpkh_address"])
    assert detect_scheme(case["signature"]) == BIP322_SIMPLE
    verify_ownership(a, case["message"], case["signature"], BIP322_SIMPLE)
    other = "Hello World" if case["message"] == "" else ""
    with pytest.raises(BadSignature):
        verify_ownership(a, other, case["signature"], BIP322_SIMPLE)


def test_published_p2tr_signature_verifies_and_fails_for_a_changed_message() -> None:
    case = BIP322["p2tr_signatures"][0]
    a = addr(BIP322["p2tr_address"])
    verify_ownership(a, case["message"], case["signature"], BIP322_SIMPLE)
    with pytest.raises(BadSignature):
        verify_ownership(a, case["message"] + "!", case["signature"], BIP322_SIMPLE)


def test_p2tr_signer_round_trip() -> None:
    a = bitcoin_address(SECRET, "p2tr")
    verify_ownership(a, "héllo\nworld", sign_bip322_simple(SECRET, a, "héllo\nworld"), BIP322_SIMPLE)


def test_bip322_signature_for_one_address_fails_for_another() -> None:
    sig = BIP322["p2wpkh_signatures"][2]["signature"]
    other = bitcoin_address(bytes(31) + b"\x07", "p2wpkh")
    with pytest.raises(BadSignature):
        verify_ownership(other, "Hello World", sig, BIP322_SIMPLE)


@pytest.mark.parametrize("bad", ["", "not base64!", "AAAA", base64.b64encode(b"\x05" * 70).decode()])
def test_malformed_bip322_signatures_are_bad_signatures_not_crashes(bad: str) -> None:
    with pytest.raises(BadSignature):
        verify_ownership(addr(BIP322["p2wpkh_address"]), "Hello World", bad, BIP322_SIMPLE)


def test_bip322_refuses_address_types_it_does_not_cover() -> None:
    legacy = addr("1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs")
    with pytest.raises(BadSignature) as e:
        verify_ownership(legacy, "x", BIP322["p2wpkh_signatures"][0]["signature"], BIP322_SIMPLE)
    assert e.value.code == "unsupported-scheme"


def test_bip137_magic_hash_matches_bitcoinjs() -> None:
    # bitcoinjs-message fixtures, valid.magicHash (bitcoin network)
    assert bip137_digest("").hex() == "80e795d4a4caadd7047af389d9f7f220562feb6196032e2131e10563352c4bcc"
    assert bip137_digest("Vires is Numeris").hex() == "f8a5affbef4a3241b19067aa694562f64f513310817297089a8929a930f4f933"


@pytest.mark.parametrize("case", BIP137_FIXTURES["valid"], ids=lambda c: c["kind"])
def test_bip137_published_signatures(case: dict) -> None:
    assert detect_scheme(case["signature"]) == BIP137
    verify_ownership(addr(case["address"]), BIP137_FIXTURES["message"], case["signature"], BIP137)


@pytest.mark.parametrize("case", BIP137_FIXTURES["invalid"], ids=lambda c: c["description"])
def test_bip137_published_invalid_cases(case: dict) -> None:
    with pytest.raises(BadSignature):
        verify_ownership(addr(case["address"]), case["message"], case["signature"], BIP137)


def test_bip137_header_must_match_the_address_type() -> None:
    # The P2SH-P2WPKH signature (header 36) for the bech32 address of the same key is refused:
    # headers 35-38 name P2SH-P2WPKH; the key's P2WPKH address needs 39-42 or 31-34.
    p2sh_sig = BIP137_FIXTURES["valid"][2]["signature"]
    with pytest.raises(BadSignature):
        verify_ownership(addr("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"), "vires is numeris", p2sh_sig, BIP137)


@pytest.mark.parametrize("kind", ["p2pkh", "p2wpkh"])
def test_bip137_compressed_header_covers_all_three_address_types(kind: str) -> None:
    # Electrum and Bitcoin Core write header 31-34 for any address of a compressed key.
    a = bitcoin_address(SECRET, kind)
    verify_ownership(a, "m", sign_bip137(SECRET, "m", "p2pkh"), BIP137)


def test_bip137_high_s_is_rejected() -> None:
    a = bitcoin_address(SECRET, "p2pkh")
    raw = base64.b64decode(sign_bip137(SECRET, "m"))
    s = int.from_bytes(raw[33:], "big")
    recid = (raw[0] - 27) & 3
    flipped = bytes([31 + (recid ^ 1)]) + raw[1:33] + (SECP256K1_N - s).to_bytes(32, "big")
    # the malleated signature still recovers the same key: only the low-s rule stops it
    with pytest.raises(BadSignature) as e:
        verify_ownership(a, "m", base64.b64encode(flipped).decode(), BIP137)
    assert e.value.code == "high-s"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "AAAA",
        base64.b64encode(bytes([50]) + bytes(64)).decode(),
        base64.b64encode(bytes([31]) + bytes(64)).decode(),
    ],
)
def test_malformed_bip137_signatures(bad: str) -> None:
    with pytest.raises(BadSignature):
        verify_ownership(addr("1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs"), "m", bad, BIP137)


def test_bip137_cannot_sign_for_taproot() -> None:
    with pytest.raises(BadSignature) as e:
        verify_ownership(addr(BIP322["p2tr_address"]), "m", sign_bip137(SECRET, "m"), BIP137)
    assert e.value.code == "unsupported-scheme"
