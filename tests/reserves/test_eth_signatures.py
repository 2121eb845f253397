"""EIP-191 personal_sign ownership, cross-checked with eth-account (test oracle only)."""

from __future__ import annotations

import secrets

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from solvent.demo.signers import ethereum_address, sign_eip191
from solvent.protocol.errors import BadSignature
from solvent.reserves.chains import CHAINS, eip55, normalize_address
from solvent.reserves.ecdsa import SECP256K1_N
from solvent.reserves.eth_sig import eip191_digest
from solvent.reserves.ownership import EIP191, verify_ownership

ETH = CHAINS["ethereum"]
MESSAGE = "solvent proof of reserves: ownership challenge v1\nexchange: Ünïcode Exchange"


def _hex(sig: bytes | str) -> str:
    text = sig if isinstance(sig, str) else sig.hex()
    return text if text.startswith("0x") else "0x" + text


@pytest.fixture(scope="module")
def key() -> bytes:
    return secrets.token_bytes(32)


def test_digest_matches_eth_account(key: bytes) -> None:
    from eth_account.messages import _hash_eip191_message

    assert eip191_digest(MESSAGE) == bytes(_hash_eip191_message(encode_defunct(text=MESSAGE)))


def test_address_derivation_matches_eth_account(key: bytes) -> None:
    assert ethereum_address(key).text == Account.from_key(key).address


def test_eth_account_signature_verifies(key: bytes) -> None:
    sig = Account.sign_message(encode_defunct(text=MESSAGE), key).signature
    verify_ownership(normalize_address(ETH, Account.from_key(key).address), MESSAGE, _hex(sig), EIP191)


def test_our_signature_recovers_with_eth_account(key: bytes) -> None:
    sig = sign_eip191(key, MESSAGE)
    assert Account.recover_message(encode_defunct(text=MESSAGE), signature=sig) == Account.from_key(key).address


def _parts(sig: str) -> tuple[bytes, bytes, int]:
    raw = bytes.fromhex(sig[2:])
    return raw[:32], raw[32:64], raw[64]


@pytest.mark.parametrize("v_form", ["raw", "legacy"])
def test_every_accepted_v_form(key: bytes, v_form: str) -> None:
    r, s, v = _parts(sign_eip191(key, MESSAGE))
    recid = v - 27
    v_new = recid if v_form == "raw" else 27 + recid
    verify_ownership(ethereum_address(key), MESSAGE, "0x" + (r + s + bytes([v_new])).hex(), EIP191)


@pytest.mark.parametrize("bad_v", [2, 3, 26, 29, 35, 36, 37, 38, 255])
def test_other_v_values_are_rejected(key: bytes, bad_v: int) -> None:
    r, s, _ = _parts(sign_eip191(key, MESSAGE))
    with pytest.raises(BadSignature) as e:
        verify_ownership(ethereum_address(key), MESSAGE, "0x" + (r + s + bytes([bad_v])).hex(), EIP191)
    assert e.value.code == "signature-v"


def test_high_s_is_rejected_although_it_recovers_the_same_key(key: bytes) -> None:
    r, s, v = _parts(sign_eip191(key, MESSAGE))
    high = (SECP256K1_N - int.from_bytes(s, "big")).to_bytes(32, "big")
    flipped = "0x" + (r + high + bytes([27 + ((v - 27) ^ 1)])).hex()
    # Control: the malleated signature is valid ECDSA for the same key (a naive verifier accepts it).
    from eth_keys import keys

    naive = keys.Signature(vrs=((v - 27) ^ 1, int.from_bytes(r, "big"), int.from_bytes(high, "big")))
    assert naive.recover_public_key_from_msg_hash(eip191_digest(MESSAGE)).to_checksum_address() == (
        ethereum_address(key).text
    )
    with pytest.raises(BadSignature) as e:
        verify_ownership(ethereum_address(key), MESSAGE, flipped, EIP191)
    assert e.value.code == "high-s"


def test_another_keys_signature_fails_with_evidence(key: bytes) -> None:
    other = secrets.token_bytes(32)
    with pytest.raises(BadSignature) as e:
        verify_ownership(ethereum_address(key), MESSAGE, sign_eip191(other, MESSAGE), EIP191)
    assert e.value.evidence["expected"] == ethereum_address(key).text
    assert e.value.evidence["recovered"] == ethereum_address(other).text


@pytest.mark.parametrize("bad", ["", "0x", "0x" + "00" * 65, "0x" + "zz" * 65, "00" * 65, "0x" + "11" * 64])
def test_malformed_signatures(key: bytes, bad: str) -> None:
    with pytest.raises(BadSignature):
        verify_ownership(ethereum_address(key), MESSAGE, bad, EIP191)


def test_eip55_published_examples() -> None:
    # From the EIP-55 specification's test cases.
    for text in [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ]:
        assert eip55(bytes.fromhex(text[2:])) == text
