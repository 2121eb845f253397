"""Bitbase POR_V1 proofs: a vector of our own from the documented rule (Bitbase's repository has
no licence; docs/formats/bitbase.md names the sample checked by hand), tampered copies, versions."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from solvent.formats import bitbase, registry
from solvent.protocol.errors import FormatError, RootMismatch, VerificationError
from tests.formats.conftest import set_at, tampered


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


RECORD = "c" * 64
BAL = {"BTC": "1.00000000", "ETH": "0.00000000", "USDT": "250.50000000", "USDC": "-3.00000000"}
PAYLOAD = f"POR_V1|auditId=42|recordId={RECORD}|BTC=1.00000000|ETH=0.00000000|USDT=250.50000000|USDC=-3.00000000"
LEAF = sha(PAYLOAD)
S1, S2 = sha("one"), sha("two")
ROOT = sha(sha(S1 + LEAF) + S2)
DOC = {"version": "POR_V1", "auditId": 42, "period": "2026-02", "snapshotTime": 1, "recordId": RECORD,
       "balances": BAL, "leafPayload": PAYLOAD, "leafHash": LEAF, "rootHash": ROOT,
       "proof": [{"position": "LEFT", "hash": S1}, {"position": "RIGHT", "hash": S2}]}


def test_an_own_vector_verifies_and_names_its_version() -> None:
    data = json.dumps(DOC).encode()
    result = bitbase.verify_proof(data)
    assert result.version == "POR_V1" and result.root == ROOT and result.totals == {}
    codes = {f.code for f in result.findings}
    assert {"no-sums", "negative-balance"} <= codes
    assert registry.detect(data) == "bitbase"
    assert bitbase.verify_proof(tampered(DOC, set_at("auditId", "42"))).root == ROOT  # a string id too


TAMPERS = [
    ("balance", set_at("balances", "BTC", "1.00000001"), VerificationError, "leaf-payload"),
    ("balance and payload", lambda d: (d["balances"].update(BTC="2.00000000"),
                                       d.update(leafPayload=d["leafPayload"].replace("BTC=1.", "BTC=2."))),
     VerificationError, "leaf-hash"),
    ("sibling hash", set_at("proof", 0, "hash", "0" * 64), RootMismatch, "root-mismatch"),
    ("level (side)", set_at("proof", 0, "position", "RIGHT"), RootMismatch, "root-mismatch"),
    ("root", set_at("rootHash", "1" * 64), RootMismatch, "root-mismatch"),
    ("balance not 8 decimals", set_at("balances", "ETH", "0"), FormatError, "decimal"),
]


@pytest.mark.parametrize(("what", "change", "error", "code"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_every_tampered_copy_is_rejected_naming_the_check(what: str, change: Any, error: type, code: str) -> None:
    with pytest.raises(error) as e:
        bitbase.verify_proof(tampered(DOC, change))
    assert e.value.code == code


def test_another_version_is_unsupported_not_invalid() -> None:
    doc = tampered(DOC, set_at("version", "POR_V2"))
    assert registry.detect(doc) == "bitbase"
    with pytest.raises(FormatError) as e:
        bitbase.verify_proof(doc)
    assert e.value.code == "version"
