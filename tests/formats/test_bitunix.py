"""Bitunix proofs: vectors of our own made from the documented rule (Bitunix's repository has
no licence, so its samples are not copied; docs/formats/bitunix.md names the ones checked by
hand), tampered copies, the fastjson HashMap order, and detection apart from OKX v1."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from solvent.formats import bitunix, registry
from solvent.formats.java_compat import hashmap_order, java_hash
from solvent.protocol.errors import FormatError, RootMismatch, VerificationError
from tests.formats.conftest import set_at, tampered

ORDER = ("BTC", "ETH", "USDT")  # the HashMap order of these keys (bucket 2, 5, 11 of 16)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def text(bal: dict[str, str]) -> str:
    return "{" + ",".join(f'"{k}":"{bal[k]}"' for k in ORDER) + "}"


def leaf(uid: str, nonce: str, bal: dict[str, str]) -> str:
    return sha(f"{uid},{nonce},{text(bal)}")


def add(a: dict[str, str], b: dict[str, str]) -> dict[str, str]:
    """Exact sums rounded toward zero to 8 decimals, 8 printed (independent of the module's helpers)."""
    out = {}
    for k in ORDER:
        units = int(a[k].replace(".", "")) + int(b[k].replace(".", ""))  # both have 8 decimals
        sign = "-" if units < 0 else ""
        whole, frac = divmod(abs(units), 10**8)
        out[k] = f"{sign}{whole}.{frac:08d}"
    return out


def build() -> dict[str, Any]:
    """Four accounts; the proof of account 2 (a left leaf whose sibling is account 3)."""
    accounts = [
        ("u0", "n0", {"BTC": "0.10000000", "ETH": "0.00000000", "USDT": "5.00000000"}),
        ("u1", "n1", {"BTC": "0.00000000", "ETH": "1.50000000", "USDT": "0.00000000"}),
        ("u2", "n2", {"BTC": "2.00000000", "ETH": "0.00000001", "USDT": "7.25000000"}),
        ("u3", "n3", {"BTC": "0.00000000", "ETH": "0.00000000", "USDT": "100.00000000"}),
    ]
    leaves = [(leaf(u, n, b), b) for u, n, b in accounts]
    h2 = [(sha(f"{leaves[i][0]}{leaves[i + 1][0]},{text(s)},2"), s)
          for i in (0, 2) for s in [add(leaves[i][1], leaves[i + 1][1])]]
    total = add(h2[0][1], h2[1][1])
    root = sha(f"{h2[0][0]}{h2[1][0]},{text(total)},1")
    u, n, b = accounts[2]
    return {
        "path": [
            {"type": 2, "nonce": "n3", "height": 3, "balances": accounts[3][2], "encryptUid": "u3",
             "merkleLeaf": leaves[3][0]},
            {"type": 1, "height": 2, "balances": h2[0][1], "merkleLeaf": h2[0][0]},
            {"type": 3, "height": 1, "balances": total, "merkleLeaf": root},
        ],
        "self": {"type": 1, "nonce": n, "height": 3, "balances": b, "encryptUid": u, "merkleLeaf": leaves[2][0],
                 "precisions": {"BTC": 8, "ETH": 8, "USDT": 8}},
    }


DOC = build()


def test_an_own_vector_verifies_names_its_version_and_is_detected_as_bitunix() -> None:
    data = json.dumps(DOC).encode()
    result = bitunix.verify_proof(data)
    assert result.version == bitunix.VERSION
    assert result.totals == {"BTC": "2.1", "ETH": "1.50000001", "USDT": "112.25"}
    assert "neighbour-balances" in {f.code for f in result.findings}
    assert registry.detect(data) == "bitunix"  # not OKX v1, which took these files before


def test_a_root_without_totals_is_read_as_bitunix_wrote_it_in_august_2024() -> None:
    doc = json.loads(json.dumps(DOC))
    doc["path"][2]["balances"] = None
    for node in doc["path"]:
        node.setdefault("encryptUid", None)
        node.setdefault("nonce", None)
        node["precisions"] = {}
    result = bitunix.verify_proof(json.dumps(doc).encode())
    assert "root-without-totals" in {f.code for f in result.findings}


TAMPERS = [
    ("own balance", set_at("self", "balances", "USDT", "7.25000001"), VerificationError, "leaf-hash"),
    ("sibling balance", set_at("path", 1, "balances", "BTC", "0.10000001"), RootMismatch, "root-mismatch"),
    ("sibling hash", set_at("path", 1, "merkleLeaf", "0" * 64), RootMismatch, "root-mismatch"),
    ("level", set_at("path", 1, "height", 3), VerificationError, "level"),
    ("root hash", set_at("path", 2, "merkleLeaf", "1" * 64), RootMismatch, "root-mismatch"),
    ("root total", set_at("path", 2, "balances", "USDT", "112.26000000"), RootMismatch, "root-mismatch"),
    ("sibling side", set_at("path", 1, "type", 2), RootMismatch, "root-mismatch"),
    ("a sibling with another asset", set_at("path", 1, "balances", {"BTC": "0", "ETH": "0", "XRP": "0"}),
     FormatError, "assets"),
]


@pytest.mark.parametrize(("what", "change", "error", "code"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_every_tampered_copy_is_rejected_naming_the_check(what: str, change: Any, error: type, code: str) -> None:
    with pytest.raises(error) as e:
        bitunix.verify_proof(tampered(DOC, change))
    assert e.value.code == code


def test_a_bitunix_leaf_without_precisions_is_an_unsupported_version() -> None:
    doc = json.loads(json.dumps(DOC))
    del doc["self"]["precisions"]
    with pytest.raises(FormatError) as e:
        bitunix.verify_proof(json.dumps(doc).encode())
    assert e.value.code == "version"
    with pytest.raises(Exception) as unknown:  # and detection picks no format whose fields are missing
        registry.detect(json.dumps(doc).encode())
    assert getattr(unknown.value, "code", "") == "unknown-format"


def test_java_hashmap_order() -> None:
    assert java_hash("BTC") == 66097 and java_hash("Aa") == java_hash("BB")
    assert hashmap_order(["USDT", "ETH", "BTC"]) == ["BTC", "ETH", "USDT"]
    assert hashmap_order(["BB", "Aa"]) == ["BB", "Aa"] and hashmap_order(["Aa", "BB"]) == ["Aa", "BB"]
    many = [f"C{i}" for i in range(13)]  # more than 12 keys: the table doubles to 32
    assert sorted(hashmap_order(many)) == sorted(many)
