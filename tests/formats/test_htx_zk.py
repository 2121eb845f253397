"""HTX's zk user inclusion proof (issue 13, item 2): its two versions, its id rule, tampering.

Known answers that this code did not produce, all from huobiapi/Tool-Go-MerkleVerify:
the sample ``user_config.json`` (commit f57c44d, MIT; ``tests/vectors/realworld/htx``),
the empty-tree roots its verifier hard-codes (``src/verifier/main.go`` at f57c44d and
at 5390028), the empty leaves its circuit hard-codes (``circuit/constants.go``,
``EmptyAccountLeafNodeHash``) and the sample account's UID (row 0 of
``src/sampledata/huobi_user_finance`` at f57c44d).  The 174-slot vectors are built here
from the documented rule (docs/formats/htx-zk.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from solvent.formats import binance_zk, htx_zk, registry
from solvent.formats.binance_zk import Rule, empty_subtree_hashes, leaf_hash, root_from_proof
from solvent.formats.binance_zk_file import TREE_DEPTH, parse_proof
from solvent.formats.htx_zk import HTX, RULES, account_id_hash, verify, verify_user_config
from solvent.formats.poseidon_bn254 import hash_elements
from solvent.protocol.errors import FormatError, IdMismatch, InputError, RootMismatch
from tests.cli_invoke import invoke
from tests.formats.conftest import REALWORLD

SAMPLE = REALWORLD / "htx" / "user_config.json"
SAMPLE_SHA256 = "f45c9516ff22f902d116408799516e0ea4cc989f93ca17036457a16e129fd3de"
SAMPLE_UID = "372908368"
SLOTS_168, SLOTS_174 = RULES

# (rule, empty-tree root of src/verifier/main.go, empty leaf of circuit/constants.go)
HTX_CONSTANTS = [
    (
        SLOTS_168,  # f57c44d (its constants.go says 205 slots, which reproduces neither constant)
        "08030a5616bdd248a983dd1f994f557361c742cc4adaa2618275fbc35a9bdc24",
        "05b03718e844609464db69f0f4f7eb7daf0e4c765f3575978b57cb0a4750a43e",
    ),
    (
        SLOTS_174,  # 5390028 and every later commit
        "2787c6e55c2da2a73e57628e70386add83fd42cb4da4c401269381e918944558",
        "0cc1c37a517c3b8db148653c41b15dc7f0136dc284fb2818adf26669d897298c",
    ),
]


def sample() -> dict[str, Any]:
    data = SAMPLE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SAMPLE_SHA256
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def encode(d: dict[str, Any]) -> bytes:
    return json.dumps(d).encode()


@pytest.mark.parametrize(("rule", "root", "leaf"), HTX_CONSTANTS, ids=[r.version for r, *_ in HTX_CONSTANTS])
def test_empty_tree_and_leaf_are_htx_constants(rule: Rule, root: str, leaf: str) -> None:
    # Pins the unpacked commitment (one balance per element), the slot count and the leaf arity.
    hashes = empty_subtree_hashes(rule, "commitment")
    assert hashes[0].to_bytes(32, "big").hex() == leaf
    assert hashes[TREE_DEPTH].to_bytes(32, "big").hex() == root


def test_the_published_sample_verifies_and_names_its_version() -> None:
    sample()
    assert registry.detect_file(SAMPLE) == "htx-zk"
    result = verify([SAMPLE])
    assert result.format == "htx-zk" and result.version == SLOTS_168.version
    assert result.root == "2d56687955260b6385c0b167a96d2540d9f6f4a1982e6e5c394aebcb6f33223a"
    assert result.balances == {"asset 0 Balance": "32"}
    assert result.details["TotalEquity_usd"] == "0.00867200"  # 10^-8 USD, not Binance's 10^-16
    assert any("SNARKs are not checked" in f.text for f in result.findings)
    assert "did not check the zk-SNARK batch proofs" in result.checked
    assert any(f.severity == "leak" and f.code == "htx-uid-unsalted" for f in result.findings)


def test_the_sample_id_hash_is_sha256_of_its_uid() -> None:
    assert account_id_hash(SAMPLE_UID).hex() == sample()["AccountIdHash"]
    result = htx_zk.verify_with([SAMPLE], {"uid": SAMPLE_UID})
    assert result.details["uid_checked"] == "yes"
    with pytest.raises(IdMismatch) as exc:
        htx_zk.verify_with([SAMPLE], {"uid": "372908369"})
    assert "id check failed" in exc.value.message and exc.value.evidence["check"] == "uid"


def test_the_cli_checks_a_uid(tmp_path: Path) -> None:
    ok = invoke(["verify", str(SAMPLE), "--uid", SAMPLE_UID])
    assert ok.exit_code == 0 and SLOTS_168.version in ok.stdout
    bad = invoke(["verify", str(SAMPLE), "--uid", "1"])
    assert bad.exit_code == 1 and "id check failed" in bad.output


def tamper(d: dict[str, Any], what: str) -> dict[str, Any]:
    d = json.loads(json.dumps(d))
    if what == "balance":
        d["Assets"][0]["Balance"] += 1
    elif what == "total":
        d["TotalEquity"] += 1
    elif what == "asset index":
        d["Assets"][0]["Index"] += 1
    elif what == "sibling":
        raw = bytearray(base64.b64decode(d["Proof"][5]))
        raw[-1] ^= 1
        d["Proof"][5] = base64.b64encode(bytes(raw)).decode()
    elif what == "index":
        d["AccountIndex"] ^= 1 << 3
    elif what == "id":
        d["AccountIdHash"] = account_id_hash("1").hex()
    elif what == "root":
        d["Root"] = d["Root"][:-1] + ("0" if d["Root"][-1] != "0" else "1")
    return d


@pytest.mark.parametrize("what", ["balance", "total", "asset index", "sibling", "index", "id", "root"])
def test_a_tampered_sample_fails_the_root_check(what: str) -> None:
    with pytest.raises(RootMismatch) as exc:
        verify_user_config(encode(tamper(sample(), what)), name="t.json")
    assert "root check failed" in exc.value.message and exc.value.evidence["check"] == "root"
    assert all(r.source in exc.value.evidence["rules"] for r in RULES)  # both versions were tried


# ---------------------------------------------------------------------------------------------
# The 174-slot version has no published sample: vectors of our own from the documented rule.


def build(rule: Rule, assets: list[dict[str, int]], index: int = 13) -> dict[str, Any]:
    siblings = [hash_elements([index, level, 7]) for level in range(TREE_DEPTH)]
    d: dict[str, Any] = {
        "AccountIndex": index,
        "AccountIdHash": account_id_hash("12345").hex(),
        "TotalEquity": 2_000_000_000,
        "TotalDebt": 150_000_000,
        "Assets": assets,
        "Root": "00" * 32,
        "Proof": [base64.b64encode(s.to_bytes(32, "big")).decode() for s in siblings],
    }
    leaf = leaf_hash(parse_proof(d, HTX, "built"), None, rule)
    d["Root"] = root_from_proof(leaf, index, siblings).to_bytes(32, "big").hex()
    return d


def reference_leaf(d: dict[str, Any], slots: int) -> int:
    """HTX's leaf written out plainly: every slot's balance as its own Poseidon input."""
    balances = [0] * slots
    for a in d["Assets"]:
        balances[a["Index"]] = a["Balance"]
    fields = [int(d["AccountIdHash"], 16), d["TotalEquity"], d["TotalDebt"], hash_elements(balances)]
    return hash_elements(fields)


@pytest.mark.parametrize(
    "assets",
    [[{"Index": 3, "Balance": 5}, {"Index": 170, "Balance": 2**63 - 1}], [{"Index": 0, "Balance": 9}]],
    ids=["beyond 168 slots", "within 168 slots"],
)
def test_a_174_slot_proof_verifies_as_that_version(assets: list[dict[str, int]]) -> None:
    d = build(SLOTS_174, assets)
    assert leaf_hash(parse_proof(d, HTX, "x"), None, SLOTS_174) == reference_leaf(d, 174)
    result = verify_user_config(encode(d))
    assert result.version == SLOTS_174.version  # the 168-slot rule was tried first and did not match
    assert registry.detect(encode(d)) == "htx-zk"
    with pytest.raises(RootMismatch):
        verify_user_config(encode(tamper(d, "balance")))


def test_the_two_versions_give_different_roots() -> None:
    assets = [{"Index": 0, "Balance": 9}]
    assert build(SLOTS_168, assets)["Root"] != build(SLOTS_174, assets)["Root"]
    assert verify_user_config(encode(build(SLOTS_168, assets))).version == SLOTS_168.version


# ---------------------------------------------------------------------------------------------
# Unknown versions (exit 2), malformed values, detection.

UNKNOWN = [
    ("extra total", lambda d: {**d, "TotalCollateral": 0}, "unknown TotalCollateral"),
    ("new asset field", lambda d: {**d, "Assets": [{**d["Assets"][0], "Frozen": 0}]}, "Frozen"),
    ("renamed total", lambda d: {**{k: v for k, v in d.items() if k != "TotalDebt"}, "TotalLiability": 0}, "missing"),
]


@pytest.mark.parametrize(("change", "needle"), [u[1:] for u in UNKNOWN], ids=[u[0] for u in UNKNOWN])
def test_a_file_of_no_known_version_is_an_unsupported_version(change: Any, needle: str, tmp_path: Path) -> None:
    changed = change(sample())
    with pytest.raises(FormatError) as exc:
        verify_user_config(encode(changed), name="new.json")
    assert exc.value.code == "version" and needle in exc.value.message
    path = tmp_path / "new.json"
    path.write_text(json.dumps(changed))
    for args in ([], ["--format", "htx-zk"]):
        result = invoke(["verify", str(path), *args])
        assert result.exit_code == 2 and "unsupported version" in result.stderr, args
        assert "INVALID" not in result.output


@pytest.mark.parametrize(
    ("balance", "needle"),
    [(-32, "Balance"), (2**63, "Balance"), (32.0, "not an integer")],
    ids=["negative", "beyond int64", "float"],
)
def test_balances_outside_what_htx_hashes_unambiguously_are_refused(balance: object, needle: str) -> None:
    # A negative int64 hashes as its absolute value in HTX's tool (big.Int.Bytes drops the sign).
    d = sample()
    d["Assets"][0]["Balance"] = balance
    with pytest.raises(FormatError) as exc:
        verify_user_config(encode(d))
    assert exc.value.code != "version" and needle in exc.value.message


def test_binance_files_stay_binance_and_htx_files_are_not_ambiguous() -> None:
    assert registry.detect_file(REALWORLD / "binance" / "user_config.json") == "binance-zk"
    assert registry.detect_file(SAMPLE) == "htx-zk"
    assert not binance_zk.sniff(sample())


@pytest.mark.parametrize("field", ["AccountIndex", "AccountIdHash", "Assets", "Root", "Proof"])
def test_detection_never_picks_htx_when_a_required_field_is_missing(field: str) -> None:
    d = sample()
    del d[field]
    assert not htx_zk.sniff(d)
    with pytest.raises(InputError) as exc:
        registry.detect(encode(d))
    assert exc.value.code == "unknown-format"


def test_a_binance_2024_file_without_assets_is_binances_not_ambiguous() -> None:
    """TotalCollateral is a field of Binance's 2024 files that HTX's never has."""
    d = json.loads((REALWORLD / "binance" / "user_config.json").read_text())
    d["Assets"] = []
    assert not htx_zk.sniff(d)
    assert registry.detect(encode(d)) == "binance-zk"


def test_an_account_without_assets_needs_the_format_named() -> None:
    # Nothing tells such a file from Binance's pre-2024 one but its root: detection calls it
    # ambiguous (never a guess that then says INVALID), and --format htx-zk verifies it.
    d = build(SLOTS_174, [])
    with pytest.raises(InputError) as exc:
        registry.detect(encode(d))
    assert exc.value.code == "ambiguous-format"
    assert verify_user_config(encode(d)).version == SLOTS_174.version
