"""Bitget proofs: the real file (read from outside the repository), tampered copies, own vectors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from solvent.formats import bitget
from solvent.protocol.errors import FormatError, RootMismatch, VerificationError
from tests.formats import builders
from tests.formats.conftest import bitget_file, load, set_at, tampered

ASSETS = ("BTC", "ETH", "USDT", "USDC")


def test_the_real_proof_verifies_and_its_negative_sums_are_anomalies() -> None:
    path = bitget_file()
    result = bitget.verify_proof(path.read_bytes())
    assert result.root == "8eac815c495e6a67"
    assert result.totals == {
        "BTC": "9935.73595927",
        "ETH": "128842.12373304",
        "USDT": "1661685866.08882744",
        "USDC": "122140146.79859507",
    }
    codes = {f.code: f for f in result.findings}
    assert codes["truncated-64"].severity == "weakness"
    assert codes["negative-sum"].severity == "anomaly"
    assert "USDC -1536.70659782" in codes["negative-sum"].text


TAMPERS = [
    ("own balance", set_at("self", "balances", "USDT", "0.00012636"), VerificationError, "leaf-hash"),
    ("own nonce", set_at("self", "nonce", "0" * 64), VerificationError, "leaf-hash"),
    ("sibling balance", set_at("path", 6, "balances", "USDT", "2871.93100709"), RootMismatch, "root-mismatch"),
    ("sibling hash", set_at("path", 3, "merkelLeaf", "0000000000000000"), RootMismatch, "root-mismatch"),
    ("sibling level", set_at("path", 3, "level", 23), VerificationError, "level"),
    ("sibling role", set_at("path", 5, "role", 2), RootMismatch, "root-mismatch"),
    ("root hash", set_at("path", 26, "merkelLeaf", "8eac815c495e6a68"), RootMismatch, "root-mismatch"),
    ("root total", set_at("path", 26, "balances", "BTC", "9935.73595928"), RootMismatch, "root-mismatch"),
    ("root level", set_at("path", 26, "level", 2), VerificationError, "level"),
    ("root role", set_at("path", 26, "role", 1), FormatError, "type"),
    ("own role", set_at("self", "role", 2), VerificationError, "side"),
]


@pytest.mark.parametrize(("what", "change", "error", "code"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_every_tampered_copy_is_rejected(what: str, change: Any, error: type, code: str) -> None:
    doc = load(bitget_file())
    with pytest.raises(error) as e:
        bitget.verify_proof(tampered(doc, change))
    assert e.value.code == code


ACCOUNTS = [
    ("u0", "n0", ("1.5", "0", "100", "0")),
    ("u1", "n1", ("0", "0", "0", "0")),  # an empty account
    ("u2", "n2", ("0.00000001", "2.10", "0", "-3")),  # a negative balance, a trailing zero
    ("u3", "n3", ("4", "0", "0.5", "7")),
    ("u4", "n4", ("0", "1", "0", "0")),
    ("u5", "n5", ("2", "0", "0", "0")),  # six leaves: the level above has three nodes, padded
]


@pytest.mark.parametrize("index", range(len(ACCOUNTS)))
def test_own_vectors_with_padding_and_odd_levels_verify(index: int) -> None:
    proof = builders.bitget_proof(ASSETS, ACCOUNTS, index)
    result = bitget.verify_proof(json.dumps(proof).encode())
    assert result.totals == {"BTC": "7.50000001", "ETH": "3.1", "USDT": "100.5", "USDC": "4"}
    # the -3 USDC account shows on the paths that pass through it or its sibling
    assert ("negative-sum" in {f.code for f in result.findings}) == (index in (2, 3))


def test_the_padding_sibling_is_marked_empty() -> None:
    proof = builders.bitget_proof(ASSETS, ACCOUNTS, 5)
    assert [p["role"] for p in proof["path"]] == [1, 0, 1, 3]


def test_balances_written_as_json_numbers_like_bitgets_readme_verify() -> None:
    proof = builders.bitget_proof(ASSETS, ACCOUNTS, 0)
    text = json.dumps(proof)
    for value in ("1.5", "100"):
        text = text.replace(f'"{value}"', value)
    assert '"BTC": 1.5' in text
    bitget.verify_proof(text.encode())


def test_the_key_order_of_the_file_is_part_of_the_hash() -> None:
    """Bitget prints balances in the file's key order: another order is another hash."""
    order = ("USDC", "ETH", "BTC", "USDT")
    accounts = [(u, n, tuple(dict(zip(ASSETS, b, strict=True))[a] for a in order)) for u, n, b in ACCOUNTS]
    proof = builders.bitget_proof(order, accounts, 2)
    bitget.verify_proof(json.dumps(proof).encode())
    proof["self"]["balances"] = dict(sorted(proof["self"]["balances"].items()))
    with pytest.raises(VerificationError) as e:
        bitget.verify_proof(json.dumps(proof).encode())
    assert e.value.code == "leaf-hash"


def test_a_padding_node_that_carries_balance_is_refused() -> None:
    proof = builders.bitget_proof(ASSETS, ACCOUNTS, 5)
    proof["path"][1]["balances"]["BTC"] = "1"
    with pytest.raises(RootMismatch):  # the path no longer adds up ...
        bitget.verify_proof(json.dumps(proof).encode())
    proof = builders.bitget_proof(ASSETS, ACCOUNTS, 5)
    proof["path"][1]["merkelLeaf"] = "0123456789abcdef"
    with pytest.raises(RootMismatch):  # ... nor hashes up
        bitget.verify_proof(json.dumps(proof).encode())
