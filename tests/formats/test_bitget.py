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


# -- both rules: which one matched, and what failed under each ---------------------------


def test_the_real_proof_is_of_the_rule_from_2025_11_on() -> None:
    result = bitget.verify_proof(bitget_file().read_bytes())
    assert result.version == bitget.SINCE_2025_11


def test_own_vectors_of_the_current_rule_name_it() -> None:
    proof = builders.bitget_proof(ASSETS, ACCOUNTS, 0)
    assert bitget.verify_proof(json.dumps(proof).encode()).version == "2025-11 and later"


#: Java's HashMap iterates BTC, ETH, USDT, USDC in this order (OpenJDK 17; tests/formats/test_java_compat.py).
JAVA_ORDER = ("BTC", "ETH", "USDT", "USDC")
LEGACY_ACCOUNTS = [
    ("u0", "n0", ("1.5", "0", "100.10", "0")),  # a trailing zero, kept by the old rule
    ("u1", "n1", ("0", "0.00000001", "0", "0")),  # 1E-8
    ("u2", "n2", ("0.00000010", "2.10", "0", "-3")),  # 1.0E-7, and a negative balance
    ("u3", "n3", ("4", "0", "0.5", "7")),
    ("u4", "n4", ("0", "1", "0", "0")),
    ("u5", "n5", ("2", "0", "0", "0")),
]


def _legacy(index: int, file_order: tuple[str, ...] | None = None) -> dict[str, Any]:
    return builders.bitget_legacy_proof(JAVA_ORDER, LEGACY_ACCOUNTS, index, file_order)


@pytest.mark.parametrize("index", range(len(LEGACY_ACCOUNTS)))
def test_proofs_of_the_rule_before_2025_11_verify_and_name_it(index: int) -> None:
    result = bitget.verify_proof(builders.legacy_json(_legacy(index)).encode())
    assert result.version == bitget.BEFORE_2025_11 == "before 2025-11"
    assert result.totals == {"BTC": "7.5000001", "ETH": "3.10000001", "USDT": "100.6", "USDC": "4"}
    assert "HashMap" in result.checked[0]


def test_the_old_rule_hashes_exponents_and_trailing_zeros_as_java_printed_them() -> None:
    text = builders.legacy_json(_legacy(1))
    assert '"ETH": 1E-8' in text and '"USDT": 100.10' in text  # as Bitget's tool wrote them
    assert bitget.verify_proof(text.encode()).balances["ETH"] == "0.00000001"
    # the same values quoted (Bitget's 2025 files write strings) are the same BigDecimals
    quoted = json.dumps(_legacy(1)).replace('"#', '"')
    assert bitget.verify_proof(quoted.encode()).version == bitget.BEFORE_2025_11
    # 0.00000001 is the same BigDecimal as 1E-8 (unscaled 1, scale 8); 0.000000010 is another
    # (scale 9, printed 1.0E-8), of the same value: another hash
    assert bitget.verify_proof(text.replace('"ETH": 1E-8', '"ETH": 0.00000001').encode()).version
    with pytest.raises(VerificationError) as e:
        bitget.verify_proof(text.replace('"ETH": 1E-8', '"ETH": 0.000000010').encode())
    assert e.value.code == "leaf-hash"


def test_the_old_rule_hashes_javas_key_order_not_the_files() -> None:
    """Java read the balances into a HashMap: the order in the file does not matter."""
    shuffled = _legacy(2, file_order=("USDC", "USDT", "ETH", "BTC"))
    assert list(shuffled["self"]["balances"]) == ["USDC", "USDT", "ETH", "BTC"]
    assert bitget.verify_proof(builders.legacy_json(shuffled).encode()).version == bitget.BEFORE_2025_11


LEGACY_TAMPERS = [
    ("own balance", set_at("self", "balances", "USDT", "#0.5"), VerificationError, "leaf-hash"),
    ("sibling balance", set_at("path", 0, "balances", "USDC", "#8"), RootMismatch, "root-mismatch"),
    ("sibling hash", set_at("path", 1, "merkelLeaf", "0000000000000000"), RootMismatch, "root-mismatch"),
    ("sibling level", set_at("path", 1, "level", 2), VerificationError, "level"),
    ("root hash", set_at("path", 3, "merkelLeaf", "0123456789abcdef"), RootMismatch, "root-mismatch"),
    ("root total", set_at("path", 3, "balances", "BTC", "#7.5000002"), RootMismatch, "root-mismatch"),
    ("root level", set_at("path", 3, "level", 2), VerificationError, "level"),
]


@pytest.mark.parametrize(("what", "change", "error", "code"), LEGACY_TAMPERS, ids=[t[0] for t in LEGACY_TAMPERS])
def test_every_tampered_copy_of_an_old_proof_is_rejected_naming_the_check(
    what: str, change: Any, error: type, code: str
) -> None:
    doc = _legacy(0)
    change(doc)
    with pytest.raises(error) as e:
        bitget.verify_proof(builders.legacy_json(doc).encode())
    assert e.value.code == code
    if code == "root-mismatch":
        # the leaf matched the old rule only: the failure is reported under it, and the other named
        assert e.value.evidence["version"].startswith("before 2025-11")
        assert e.value.evidence["under before 2025-11"] == "root hash or totals failed (root-mismatch)"
        assert e.value.evidence["under 2025-11 and later"].startswith("leaf hash failed (leaf-hash, computed ")


def test_a_file_whose_leaf_fits_neither_rule_is_invalid_naming_both() -> None:
    doc = _legacy(0)
    doc["self"]["nonce"] = "n9"
    with pytest.raises(VerificationError) as e:
        bitget.verify_proof(builders.legacy_json(doc).encode())
    assert e.value.code == "leaf-hash"
    assert "any of Bitget's rules (2025-11 and later, before 2025-11)" in str(e.value)
    assert e.value.evidence["version"] == "none matched"
    computed = {e.value.evidence[f"under {v}"] for v in bitget.VERSIONS}
    assert len(computed) == 2 and all(c.startswith("leaf hash failed (leaf-hash, computed ") for c in computed)


def test_a_current_proof_tampered_above_the_leaf_is_reported_under_its_rule() -> None:
    doc = builders.bitget_proof(ASSETS, ACCOUNTS, 0)
    doc["path"][1]["merkelLeaf"] = "0000000000000000"
    with pytest.raises(RootMismatch) as e:
        bitget.verify_proof(json.dumps(doc).encode())
    assert e.value.evidence["version"].startswith("2025-11 and later (its leaf hash matched")


@pytest.mark.parametrize(
    "change",
    [
        set_at("self", "extra", "1"),  # a field no version has
        lambda d: d["self"].pop("nonce"),  # a field every version has, missing
        lambda d: d["path"][0].pop("merkelLeaf"),
        set_at("path", 0, "balances", []),
        lambda d: d.update({"version": 3}),
    ],
    ids=["unknown field", "no nonce", "no sibling hash", "balances not an object", "unknown top field"],
)
def test_a_file_of_no_known_shape_is_an_unsupported_version(change: Any) -> None:
    doc = _legacy(0)
    change(doc)
    with pytest.raises(FormatError) as e:
        bitget.verify_proof(builders.legacy_json(doc).encode())
    assert e.value.code == "version"
    assert "not a Bitget proof of a version solvent knows" in str(e.value)


def test_sniffing_needs_every_field_of_the_leaf_and_the_path() -> None:
    doc = json.loads(builders.legacy_json(_legacy(0)))
    assert bitget.sniff(doc)
    for field in ("balances", "encryptUid", "level", "merkelLeaf", "nonce", "role"):
        partial = json.loads(json.dumps(doc))
        del partial["self"][field]
        assert not bitget.sniff(partial), field
    partial = json.loads(json.dumps(doc))
    del partial["path"][2]["level"]
    assert not bitget.sniff(partial)
    assert not bitget.sniff({"self": doc["self"], "path": []})
