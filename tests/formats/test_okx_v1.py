"""OKX v1 proofs: the real file, one tampered copy per field, own vectors for the edge cases."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from solvent.formats import okx_v1
from solvent.protocol.errors import FormatError, RootMismatch, VerificationError
from tests.formats import builders
from tests.formats.conftest import REALWORLD, load, set_at, tampered

REAL = REALWORLD / "okx" / "merkle_proof_file.json"
DOC = load(REAL)
CODES = lambda result: {f.code for f in result.findings}  # noqa: E731


def test_the_real_proof_verifies_with_the_totals_the_file_states() -> None:
    result = okx_v1.verify_proof(REAL.read_bytes())
    # figures stated in the source README (re-checked there by an independent implementation)
    assert result.root == "ac6b39d2a0aa8112bd1aadff5e7d4b5c2b91cd54d595262ba4367f5d2db4160d"
    assert result.totals == {"BTC": "95088.55505656", "ETH": "939953.49090361", "USDT": "3137909428.88369702"}
    assert result.balances == DOC["self"]["balances"]
    assert {"root-unanchored", "sum-only-binding", "no-non-negativity", "neighbour-preimage"} <= CODES(result)


def test_the_neighbour_leak_is_real_its_leaf_pre_image_re_hashes() -> None:
    """Independently of the verifier: the first sibling's nonce and balances give its hash."""
    sib = DOC["path"][0]
    b = sib["balances"]
    text = sib["nonce"] + f'{{"BTC":"{b["BTC"]}","ETH":"{b["ETH"]}","USDT":"{b["USDT"]}"}}'
    assert hashlib.sha256(text.encode()).hexdigest() == sib["hash"]
    leak = [f for f in okx_v1.verify_proof(REAL.read_bytes()).findings if f.code == "neighbour-balances"]
    assert leak and "USDT 0.00007282" in leak[0].text


TAMPERS = [
    ("own balance", ["self", "balances", "BTC"], "1.000070", VerificationError, "leaf-hash"),
    ("own nonce", ["self", "nonce"], "0" * 64, VerificationError, "leaf-hash"),
    ("sibling balance", ["path", 3, "balances", "BTC"], "0.00092852", RootMismatch, "root-mismatch"),
    ("sibling hash", ["path", 7, "hash"], "0" * 64, RootMismatch, "root-mismatch"),
    ("sibling level", ["path", 5, "height"], 7, VerificationError, "level"),
    ("sibling side", ["path", 5, "type"], 1, RootMismatch, "root-mismatch"),
    ("root flag mid-path", ["path", 5, "type"], 3, FormatError, "type"),
    ("own side", ["self", "type"], 1, VerificationError, "side"),
    (
        "root hash",
        ["path", 23, "hash"],
        "ac6b39d2a0aa8112bd1aadff5e7d4b5c2b91cd54d595262ba4367f5d2db4160e",
        RootMismatch,
        "root-mismatch",
    ),
    ("root total", ["path", 23, "balances", "USDT"], "3137909428.88369703", RootMismatch, "root-mismatch"),
    ("root level", ["path", 23, "height"], 25, VerificationError, "level"),
    ("padding balance", ["path", 21, "balances", "ETH"], "0.1", RootMismatch, "root-mismatch"),
    ("padding hash", ["path", 21, "hash"], "f" * 64, RootMismatch, "root-mismatch"),
    ("audit id", ["path", 4, "auditId"], "499930593", VerificationError, "audit-id"),
]


@pytest.mark.parametrize(("what", "path", "value", "error", "code"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_every_tampered_copy_is_rejected(what: str, path: list[Any], value: Any, error: type, code: str) -> None:
    with pytest.raises(error) as e:
        okx_v1.verify_proof(tampered(DOC, set_at(*path, value)))
    assert e.value.code == code


def test_a_root_mismatch_carries_both_hashes_as_evidence() -> None:
    with pytest.raises(RootMismatch) as e:
        okx_v1.verify_proof(tampered(DOC, set_at("path", 7, "hash", "0" * 64)))
    assert e.value.evidence["expected_hash"] == DOC["path"][-1]["hash"]
    assert e.value.evidence["computed_hash"] != e.value.evidence["expected_hash"]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b'{"self": {}, "self": {}, "path": []}', "duplicate key"),
        (REAL.read_bytes().replace(b'"USDT":"19398.33550812"', b'"USDT":19398.33550812'), "floats"),
        (REAL.read_bytes().replace(b'"height":1}', b'"height":true}', 1), "expected an integer"),
        (REAL.read_bytes().replace(b'"auditId"', b'"extra":1,"auditId"', 1), "unknown extra"),
        (REAL.read_bytes().replace(b'"BTC":"1.000069"', b'"BTC":"1e-9"'), "not a decimal"),
        (b"\xef\xbb\xbf{}", "byte-order mark"),
        (b"[1, 2", "not valid JSON"),
    ],
)
def test_malformed_files_are_format_errors_never_tracebacks(raw: bytes, fragment: str) -> None:
    with pytest.raises(FormatError, match=fragment):
        okx_v1.verify_proof(raw)


# -- own vectors: odd levels and padding, a leaf on the right, empty balances, negatives --------

ACCOUNTS = [
    ("n0", ("1", "0", "10.5")),
    ("n1", ("0", "0", "0")),  # an empty account
    ("n2", ("0.00000001", "2", "0")),
    ("n3", ("3", "0.5", "7")),
    ("n4", ("0", "0", "0.12345678")),  # five leaves: padding at the leaf level and above
]


@pytest.mark.parametrize("index", range(len(ACCOUNTS)))
def test_every_account_of_an_odd_tree_verifies(index: int) -> None:
    proof = builders.okx_v1_proof(ACCOUNTS, index)
    result = okx_v1.verify_proof(json.dumps(proof).encode())
    assert result.totals == {"BTC": "4.00000001", "ETH": "2.5", "USDT": "17.62345678"}
    assert result.root == proof["path"][-1]["hash"]


def test_the_last_leaf_of_an_odd_tree_has_padding_siblings() -> None:
    proof = builders.okx_v1_proof(ACCOUNTS, 4)
    assert [p["type"] for p in proof["path"]] == [4, 4, 1, 3]
    okx_v1.verify_proof(json.dumps(proof).encode())


def test_a_tree_built_with_a_padding_node_that_carries_balance_is_refused() -> None:
    """A cheating builder pads with a twin holding 5 BTC: every hash is consistent, the padding is not."""
    fake_pad = lambda node: (node[0], [builders.Decimal(5), builders.Decimal(0), builders.Decimal(0)])  # noqa: E731
    proof = builders.okx_v1_proof(ACCOUNTS, 4, pad=fake_pad)
    parsed = okx_v1.Proof.from_dict(proof)
    computed_hash, _, _ = okx_v1.root_from_proof(parsed)
    assert computed_hash == proof["path"][-1]["hash"]  # control: the hash chain alone accepts it
    with pytest.raises(VerificationError) as e:
        okx_v1.verify_proof(json.dumps(proof).encode())
    assert e.value.code == "padding"


def test_a_single_account_tree_is_its_own_root() -> None:
    proof = builders.okx_v1_proof(ACCOUNTS[:1], 0)
    assert proof["path"][0]["hash"] == proof["self"]["hash"]
    result = okx_v1.verify_proof(json.dumps(proof).encode())
    assert result.totals == {"BTC": "1", "ETH": "0", "USDT": "10.5"}
    proof["path"][0]["balances"]["BTC"] = "2"
    with pytest.raises(RootMismatch):
        okx_v1.verify_proof(json.dumps(proof).encode())


def test_negative_sibling_sums_verify_but_are_reported_as_anomalies() -> None:
    accounts = [("a", ("1", "0", "0")), ("b", ("-2", "0", "0")), ("c", ("5", "0", "0")), ("d", ("0", "0", "1"))]
    result = okx_v1.verify_proof(json.dumps(builders.okx_v1_proof(accounts, 2)).encode())
    assert result.totals["BTC"] == "4"
    anomaly = [f for f in result.findings if f.code == "negative-sum"]
    assert anomaly and anomaly[0].severity == "anomaly" and "BTC -1" in anomaly[0].text
