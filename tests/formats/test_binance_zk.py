"""Binance zk user inclusion proof: the published sample verifies; tampering and malformed input fail.

The expected values come from Binance, not from this code: the sample file and its
Root (commit 5d26d4fc of binance/zkmerkle-proof-of-solvency) and the empty-tree root
that Binance's verifier of the same commit hard-codes.  Threat rows: L2 (negative
values), L3 (out-of-range values), L5 (proof length), L7 (index bits), L18 (malformed
JSON), L12/L17 (findings).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solvent.formats import binance_zk
from solvent.formats.binance_zk import (
    FORMAT,
    TREE_DEPTH,
    asset_commitment,
    empty_subtree_hashes,
    leaf_hash,
    parse_user_config,
    root_from_proof,
    sniff,
    verify,
    verify_user_config,
)
from solvent.formats.binance_zk_file import MAX_FILE_BYTES
from solvent.formats.poseidon_bn254 import MODULUS
from solvent.protocol.errors import FormatError, InputError, RootMismatch, SolventError

SAMPLE = Path(__file__).parents[1] / "vectors" / "realworld" / "binance" / "user_config.json"
SAMPLE_SHA256 = "5f98473a2c06e2bd429d268d04e0ecda7d8f7e724594a2339f333929f740ca8f"
# src/verifier/main.go at 5d26d4fc: "depth-28 empty account tree root".
BINANCE_EMPTY_TREE_ROOT = "08696bfcb563a2ee4dde9e1dbd34f68d3f4643df6e3709cdb1855c9f886240c7"


def sample_dict() -> dict[str, Any]:
    return json.loads(SAMPLE.read_bytes())


def encode(obj: object) -> bytes:
    return json.dumps(obj).encode()


def test_sample_is_the_published_file() -> None:
    assert hashlib.sha256(SAMPLE.read_bytes()).hexdigest() == SAMPLE_SHA256


def test_empty_tree_root_is_binance_constant() -> None:
    # Pins the empty slot Poseidon(0,0,0,0,0), the node hash and the output element.
    assert empty_subtree_hashes()[TREE_DEPTH].to_bytes(32, "big").hex() == BINANCE_EMPTY_TREE_ROOT


def test_published_sample_verifies() -> None:
    result = verify([SAMPLE])
    d = sample_dict()
    assert result.format == "binance-zk"
    assert result.root == d["Root"]
    assert result.totals == {k: str(d[k]) for k in ("TotalEquity", "TotalDebt", "TotalCollateral")}
    expected_balances = {
        f"asset {a['Index']} {f}": str(a[f])
        for a in d["Assets"]
        for f in ("Equity", "Debt", "Loan", "Margin", "PortfolioMargin")
    }
    assert result.balances == expected_balances
    assert result.details["account_index"] == "9"
    assert result.details["TotalEquity_usd"] == "10759599.3240612342000000"
    severities = {f.severity for f in result.findings}
    assert {"limitation", "weakness", "leak"} <= severities
    assert any("zk-SNARK batch proofs" in f.text for f in result.findings)


def test_round_trip_keeps_every_field() -> None:
    d = sample_dict()
    assert parse_user_config(SAMPLE.read_bytes()).to_dict() == d


def tamper(path: str, change: Callable[[Any], Any]) -> dict[str, Any]:
    """Apply ``change`` to one field, addressed like ``Assets.2.Loan`` or ``Proof.5``."""
    d = sample_dict()
    *parents, last = path.split(".")
    node: Any = d
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    k: Any = int(last) if isinstance(node, list) else last
    node[k] = change(node[k])
    return d


def plus_one(v: int) -> int:
    return v + 1


def flip_base64(s: str) -> str:
    # Change one bit of the sibling; the result stays a canonical field element here.
    raw = bytearray(base64.b64decode(s))
    raw[-1] ^= 1
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    ("path", "change"),
    [
        ("Assets.0.Equity", plus_one),
        ("Assets.1.Debt", plus_one),
        ("Assets.2.Loan", plus_one),
        ("Assets.3.Margin", plus_one),
        ("Assets.3.PortfolioMargin", plus_one),
        ("Assets.3.Index", plus_one),  # the same amounts under another asset
        ("TotalEquity", plus_one),
        ("TotalDebt", plus_one),
        ("TotalCollateral", plus_one),
        ("AccountIdHash", lambda h: h[:-2] + "6e"),
        ("AccountIndex", plus_one),
        ("Proof.0", flip_base64),
        ("Proof.27", flip_base64),
        ("Root", lambda h: h[:-1] + ("0" if h[-1] != "0" else "1")),
    ],
)
def test_tampered_copies_are_rejected(path: str, change: Callable[[Any], Any]) -> None:
    data = encode(tamper(path, change))
    with pytest.raises(RootMismatch) as exc:
        verify_user_config(data, name="tampered.json")
    evidence = exc.value.evidence
    assert evidence["file"] == "tampered.json"
    assert evidence["expected_root"] == json.loads(data)["Root"]
    assert evidence["computed_root"] != evidence["expected_root"]
    assert evidence["check"] == "root" and "root check failed" in exc.value.message
    # Both versions that read these field names were tried, and each is named.
    assert "49843ea" in evidence["rules"] and "5d26d4f" in evidence["rules"]


def test_root_mismatch_reports_the_recomputed_root() -> None:
    d = sample_dict()
    original = d["Root"]
    d["Root"] = "00" * 32
    with pytest.raises(RootMismatch) as exc:
        verify_user_config(encode(d))
    # Only Root changed, so what we recompute is the published root.
    assert exc.value.evidence["computed_root"] == original


def test_dropping_an_asset_is_rejected() -> None:
    d = sample_dict()
    del d["Assets"][1]
    with pytest.raises(RootMismatch):
        verify_user_config(encode(d))


def test_every_index_bit_changes_the_root() -> None:
    """L7: the side at each level comes from the index; flipping any bit breaks the proof."""
    proof = parse_user_config(SAMPLE.read_bytes())
    leaf = leaf_hash(proof)
    siblings = [int.from_bytes(s, "big") for s in proof.proof]
    published = int.from_bytes(proof.root, "big")
    assert root_from_proof(leaf, proof.account_index, siblings) == published
    for bit in range(TREE_DEPTH):
        assert root_from_proof(leaf, proof.account_index ^ (1 << bit), siblings) != published, bit


def test_an_all_zero_asset_entry_commits_like_an_absent_one() -> None:
    # Documented property: listing an empty slot adds nothing (and hides nothing).
    proof = parse_user_config(SAMPLE.read_bytes())
    extra = binance_zk.ZkAsset(200, (0, 0, 0, 0, 0))
    assert asset_commitment((*proof.assets, extra)) == asset_commitment(proof.assets)


def synthetic_proof(index: int, **fields: Any) -> dict[str, Any]:
    """An account alone in an otherwise empty tree (its siblings are the empty subtrees)."""
    empty = empty_subtree_hashes()
    d = {
        "AccountIndex": index,
        "AccountIdHash": "11" * 32,
        "TotalEquity": 500,
        "TotalDebt": 100,
        "TotalCollateral": 200,
        "Assets": [{"Index": 7, "Equity": 10, "Debt": 1, "Loan": 2, "Margin": 3, "PortfolioMargin": 4}],
        "Root": "00" * 32,
        "Proof": [base64.b64encode(empty[lvl].to_bytes(32, "big")).decode() for lvl in range(TREE_DEPTH)],
    }
    d.update(fields)
    parsed = parse_user_config(encode(d), name="synthetic")
    root = root_from_proof(leaf_hash(parsed), index, [int.from_bytes(s, "big") for s in parsed.proof])
    d["Root"] = root.to_bytes(32, "big").hex()
    return d


def test_empty_siblings_reveal_the_tree_size() -> None:
    """L17: index 5 with every sibling empty: slots 6 and above are empty, so at most 6 accounts."""
    result = verify_user_config(encode(synthetic_proof(5)))
    assert result.details["max_accounts_if_consecutive"] == "6"
    assert result.details["empty_sibling_levels"] == ",".join(str(i) for i in range(TREE_DEPTH))
    assert any(f.severity == "leak" and "at most 6" in f.text for f in result.findings)


def test_accounts_breaking_binance_rules_are_flagged() -> None:
    d = synthetic_proof(
        3,
        TotalDebt=300,
        Assets=[{"Index": 1, "Equity": 5, "Debt": 0, "Loan": 3, "Margin": 2, "PortfolioMargin": 1}],
    )
    texts = [f.text for f in verify_user_config(encode(d)).findings if f.severity == "weakness"]
    assert any("TotalCollateral is below TotalDebt" in t for t in texts)
    assert any(t.startswith("Asset 1:") for t in texts)


def test_sample_breaks_no_binance_rule() -> None:
    texts = [f.text for f in verify([SAMPLE]).findings]
    assert not any("TotalCollateral is below" in t or t.startswith("Asset ") for t in texts)


def replace_bytes(old: bytes, new: bytes) -> bytes:
    data = SAMPLE.read_bytes()
    assert old in data
    return data.replace(old, new, 1)


MALFORMED: list[tuple[str, Callable[[], bytes], str]] = [
    ("not json", lambda: b"{not json", "not valid JSON"),
    ("bom", lambda: b"\xef\xbb\xbf" + SAMPLE.read_bytes(), "byte-order mark"),
    ("not utf-8", lambda: b'{"AccountIndex": "\xff"}', "not UTF-8"),
    ("top-level list", lambda: b"[]", "expected an object"),
    (
        "duplicate key",
        lambda: replace_bytes(b'"AccountIndex": 9', b'"AccountIndex": 9, "AccountIndex": 9'),
        "duplicate key",
    ),
    ("float amount", lambda: replace_bytes(b'"Equity": 25100', b'"Equity": 25100.0'), "not an integer"),
    ("exponent amount", lambda: replace_bytes(b'"Equity": 25100', b'"Equity": 2.51e4'), "not an integer"),
    ("nan", lambda: replace_bytes(b'"Equity": 25100', b'"Equity": NaN'), "NaN"),
    ("negative amount", lambda: replace_bytes(b'"Debt": 184812783', b'"Debt": -184812783'), "-184812783 is outside [0"),
    (
        "negative total",
        lambda: replace_bytes(b'"TotalDebt": 4812541145779934000000', b'"TotalDebt": -4812541145779934000000'),
        "-4812541145779934000000 is outside [0",
    ),
    ("bool as int", lambda: encode(tamper("Assets.0.Equity", lambda _: True)), "Assets[0].Equity"),
    ("string amount", lambda: encode(tamper("Assets.0.Equity", str)), "Assets[0].Equity"),
    ("amount over u64", lambda: encode(tamper("Assets.0.Loan", lambda _: 1 << 64)), "Assets[0].Loan"),
    ("total not below r", lambda: encode(tamper("TotalEquity", lambda _: MODULUS)), "TotalEquity"),
    ("huge integer", lambda: encode(tamper("TotalEquity", lambda _: 10**100)), "more than 78 digits"),
    ("missing field", lambda: encode({k: v for k, v in sample_dict().items() if k != "Root"}), "missing Root"),
    ("unknown field", lambda: encode({**sample_dict(), "Extra": 1}), "unknown Extra"),
    ("unknown asset field", lambda: encode(tamper("Assets.0", lambda a: {**a, "Collateral": 1})), "Collateral"),
    ("pre-2024 shape", lambda: encode({k: v for k, v in sample_dict().items() if k != "TotalCollateral"}), "pre-2024"),
    ("upper-case root", lambda: encode(tamper("Root", str.upper)), "Root"),
    ("short root", lambda: encode(tamper("Root", lambda h: h[:-2])), "Root"),
    ("root not below r", lambda: encode(tamper("Root", lambda _: "ff" * 32)), "field order"),
    (
        "id hash not below r",
        lambda: encode(tamper("AccountIdHash", lambda _: MODULUS.to_bytes(32, "big").hex())),
        "field order",
    ),
    ("index beyond 2^28", lambda: encode(tamper("AccountIndex", lambda _: 1 << 28)), "AccountIndex"),
    ("27 siblings", lambda: encode(tamper("Proof", lambda p: p[:-1])), "exactly 28"),
    ("29 siblings", lambda: encode(tamper("Proof", lambda p: [*p, p[0]])), "exactly 28"),
    ("proof not a list", lambda: encode(tamper("Proof", lambda p: p[0])), "exactly 28"),
    ("sibling not base64", lambda: encode(tamper("Proof.3", lambda s: "!" + s[1:])), "Proof[3]"),
    ("sibling of 33 bytes", lambda: encode(tamper("Proof.3", lambda s: s[:-1] + "A=")), "Proof[3]"),
    (
        "sibling url-safe alphabet",
        lambda: encode(tamper("Proof.3", lambda s: s.replace("+", "-").replace("/", "_"))),
        "Proof[3]",
    ),
    ("sibling non-canonical bits", lambda: encode(tamper("Proof.0", lambda s: s[:-2] + "Z=")), "canonical"),
    (
        "sibling not below r",
        lambda: encode(tamper("Proof.0", lambda _: base64.b64encode(b"\xff" * 32).decode())),
        "field order",
    ),
    ("asset index beyond slots", lambda: encode(tamper("Assets.3.Index", lambda _: 500)), "Assets[3].Index"),
    ("assets out of order", lambda: encode(tamper("Assets", lambda a: [a[1], a[0], a[2], a[3]])), "is not above"),
    ("duplicate asset index", lambda: encode(tamper("Assets", lambda a: [a[0], a[0], a[2], a[3]])), "is not above"),
    ("assets not a list", lambda: encode(tamper("Assets", lambda a: a[0])), "Assets must be a list"),
    (
        "too many assets",
        lambda: encode(tamper("Assets", lambda a: [copy.deepcopy(a[0]) for _ in range(501)])),
        "at most 500",
    ),
    ("nested too deeply", lambda: b"[" * 100000 + b"]" * 100000, "nested deeper than"),
    ("oversized", lambda: b" " * (MAX_FILE_BYTES + 1), "larger than the limit"),
]


@pytest.mark.parametrize(("data", "needle"), [(m[1], m[2]) for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_input_is_a_format_error(data: Callable[[], bytes], needle: str) -> None:
    """L18 (and L2/L3/L5 for values): a FormatError naming what is wrong, never a traceback."""
    with pytest.raises(FormatError) as exc:
        verify_user_config(data(), name="bad.json")
    assert needle in exc.value.message


def test_sibling_corruption_that_stays_well_formed_is_a_root_mismatch() -> None:
    # Control for the malformed cases: a valid-looking but wrong sibling is caught by the root.
    with pytest.raises(RootMismatch):
        verify_user_config(encode(tamper("Proof.13", flip_base64)))


def test_independently_obtained_root_anchors_the_proof() -> None:
    """L12: with the published root, a proof for another tree is caught."""
    d = sample_dict()
    anchored = verify_user_config(SAMPLE.read_bytes(), published_root=d["Root"])
    assert not any("only compared with the root written in this file" in f.text for f in anchored.findings)
    assert any("obtained independently" in f.text for f in anchored.findings)
    other_tree = synthetic_proof(9)  # verifies on its own, under a root of its own
    verify_user_config(encode(other_tree))
    with pytest.raises(RootMismatch) as exc:
        verify_user_config(encode(other_tree), published_root=d["Root"])
    assert exc.value.evidence["expected_root"] == d["Root"]
    with pytest.raises(FormatError):
        verify_user_config(SAMPLE.read_bytes(), published_root=d["Root"].upper())


def test_unreadable_paths_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        verify([tmp_path / "missing.json"])
    with pytest.raises(InputError, match="directory"):
        verify([tmp_path])
    with pytest.raises(InputError, match="exactly one file"):
        verify([SAMPLE, SAMPLE])


def test_sniff_recognises_the_shape() -> None:
    assert sniff(sample_dict())
    assert sniff({k: v for k, v in sample_dict().items() if k != "TotalCollateral"})
    assert not sniff({"self": {}, "path": []})
    assert not sniff([sample_dict()])
    assert not sniff("AccountIndex")


def test_format_entry() -> None:
    assert FORMAT.name == "binance-zk"
    assert FORMAT.verify is verify
    assert FORMAT.sniff is sniff


def test_verifier_imports_only_the_standard_library() -> None:
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import solvent.formats.binance_zk\n"
        "new = set(sys.modules) - before\n"
        "bad = sorted(m for m in new if m.split('.')[0] not in sys.stdlib_module_names | {'solvent'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**300), max_value=2**300)
    | st.floats(allow_nan=True)
    | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=5,
)
FIELD_PATHS = [
    "AccountIndex", "AccountIdHash", "TotalEquity", "TotalDebt", "TotalCollateral", "Assets", "Root", "Proof",
    "Assets.0", "Assets.2.Index", "Assets.1.Equity", "Assets.3.PortfolioMargin", "Proof.0", "Proof.27",
]  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(FIELD_PATHS), value=JSON_VALUES)
def test_any_replaced_field_is_rejected_cleanly(path: str, value: object) -> None:
    """L18 fuzz: whatever replaces a field, the answer is a FormatError or a RootMismatch."""
    d = tamper(path, lambda _: value)
    if d == sample_dict():
        return
    data = json.dumps(d, allow_nan=True).encode()
    with pytest.raises((FormatError, RootMismatch)):
        verify_user_config(data)


@settings(max_examples=40, deadline=None)
@given(position=st.integers(min_value=0, max_value=2491), byte=st.integers(min_value=0, max_value=255))
def test_any_changed_byte_never_escapes_the_error_tree(position: int, byte: int) -> None:
    data = bytearray(SAMPLE.read_bytes())
    data[position] = byte
    try:
        verify_user_config(bytes(data))
    except SolventError as e:
        assert isinstance(e, FormatError | RootMismatch)
