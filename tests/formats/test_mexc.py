"""MEXC proofs: the real file, tampered copies, own vectors with empty siblings at several levels."""

from __future__ import annotations

import json
from typing import Any

import pytest

from solvent.formats import mexc
from solvent.protocol.errors import FormatError, RootMismatch, VerificationError
from tests.formats import builders
from tests.formats.conftest import REALWORLD, load, set_at, tampered

REAL = REALWORLD / "mexc" / "merkle_proof.json"
DOC = load(REAL)


def test_the_real_proof_verifies() -> None:
    result = mexc.verify_proof(REAL.read_bytes())
    assert result.root == "35d01ffef2beec3ff0166c03f3d9b0cc"
    assert result.totals == {"BTC": "4386831.37", "ETH": "5001729.74", "USDC": "0", "USDT": "5099023.18"}
    assert result.balances == {"ETH": "195462.73"}
    codes = {f.code for f in result.findings}
    assert {"truncated-128", "raw-account-id", "sum-only-binding"} <= codes


TAMPERS = [
    ("own balance", set_at("self", "balances", "ETH", "195462.74"), VerificationError, "leaf-hash"),
    ("own account id", set_at("self", "accountId", "1745297674"), VerificationError, "leaf-hash"),
    ("sibling balance", set_at("pathList", 1, "balances", "BTC", "1523108.28"), RootMismatch, "root-mismatch"),
    ("sibling hash", set_at("pathList", 2, "hash", "0" * 32), RootMismatch, "root-mismatch"),
    ("sibling level", set_at("pathList", 1, "level", 0), VerificationError, "level"),
    ("sibling level repeated", set_at("pathList", 2, "level", 2), VerificationError, "level"),
    ("sibling side", set_at("pathList", 2, "type", 2), RootMismatch, "root-mismatch"),
    ("root hash", set_at("pathList", 3, "hash", "35d01ffef2beec3ff0166c03f3d9b0cd"), RootMismatch, "root-mismatch"),
    ("root flag", set_at("pathList", 3, "type", 1), FormatError, "type"),
    ("empty sibling with a balance", set_at("pathList", 0, "balances", "BTC", "1"), VerificationError, "padding"),
]


@pytest.mark.parametrize(("what", "change", "error", "code"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_every_tampered_copy_is_rejected(what: str, change: Any, error: type, code: str) -> None:
    with pytest.raises(error) as e:
        mexc.verify_proof(tampered(DOC, change))
    assert e.value.code == code


def test_a_root_total_is_checked_which_mexcs_own_tool_does_not() -> None:
    """MEXC's validator compares only the root hash: a changed total in the file passes there."""
    changed = tampered(DOC, set_at("pathList", 3, "balances", "BTC", "9999999.99"))
    with pytest.raises(RootMismatch) as e:
        mexc.verify_proof(changed)
    assert e.value.evidence["asset"] == "BTC"


ACCOUNTS = [
    ("100", {"BTC": "1.5", "ETH": "0"}),
    ("101", {"USDT": "20"}),
    ("102", {}),  # an empty account
    ("103", {"BTC": "0.25", "USDC": "3.10"}),
    ("104", {"DOGE": "1000"}),  # an asset outside MEXC's default four
]


@pytest.mark.parametrize("index", range(len(ACCOUNTS)))
def test_own_vectors_with_empty_siblings_verify(index: int) -> None:
    proof = builders.mexc_proof("PR-T", ACCOUNTS, index)
    result = mexc.verify_proof(json.dumps(proof).encode())
    assert result.root == proof["pathList"][-1]["hash"]
    assert result.totals["BTC"] == "1.75" and result.totals["DOGE"] == "1000"


def test_the_last_account_has_only_empty_siblings_and_is_alone_at_its_levels() -> None:
    proof = builders.mexc_proof("PR-T", ACCOUNTS, 4)
    assert [p["level"] for p in proof["pathList"]] == [2, 3]  # levels 0 and 1: no sibling at all
    result = mexc.verify_proof(json.dumps(proof).encode())
    leak = [f for f in result.findings if f.code == "account-count"]
    assert "exactly 5 leaves" in leak[0].text


REAL_2022 = REALWORLD / "mexc" / "merkle_proof_2022.json"


def test_the_december_2022_proof_verifies_and_names_its_version() -> None:
    """MEXC's first proofs name the assets ``balance``; the hash rule is the same."""
    result = mexc.verify_proof(REAL_2022.read_bytes())
    assert result.version == mexc.VERSIONS["balance"]
    assert result.root == "54c765dc661e9a7ab551fa717c7a3016"
    assert mexc.verify_proof(REAL.read_bytes()).version == mexc.VERSIONS["balances"]


DOC_2022 = load(REAL_2022)
TAMPERS_2022 = [
    ("own balance", set_at("self", "balance", "USDT", "1"), VerificationError, "leaf-hash"),
    ("sibling balance", set_at("pathList", 1, "balance", "USDT", "16000017"), RootMismatch, "root-mismatch"),
    ("sibling hash", set_at("pathList", 2, "hash", "0" * 32), RootMismatch, "root-mismatch"),
    ("sibling level", set_at("pathList", 3, "level", 2), VerificationError, "level"),
    ("root hash", set_at("pathList", -1, "hash", "1" * 32), RootMismatch, "root-mismatch"),
    ("the two field names mixed", lambda d: d["pathList"][1].__setitem__("balances", d["pathList"][1].pop("balance")),
     FormatError, "version"),  # fits neither version: unsupported, never a verdict
]


@pytest.mark.parametrize(("what", "change", "error", "code"), TAMPERS_2022, ids=[t[0] for t in TAMPERS_2022])
def test_every_tampered_2022_copy_is_rejected(what: str, change: Any, error: type, code: str) -> None:
    with pytest.raises(error) as e:
        mexc.verify_proof(tampered(DOC_2022, change))
    assert e.value.code == code


def test_a_mexc_leaf_with_neither_field_is_an_unsupported_version() -> None:
    from solvent.formats import registry

    doc = tampered(DOC, lambda d: d["self"].__setitem__("assets", d["self"].pop("balances")))
    assert registry.detect(doc) == "mexc"
    with pytest.raises(FormatError) as e:
        mexc.verify_proof(doc)
    assert e.value.code == "version"
