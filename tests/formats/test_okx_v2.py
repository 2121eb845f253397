"""OKX v2: the real tree and user file, tampered copies, the right-to-left order, own vectors."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from solvent.formats import okx_v2
from solvent.protocol.errors import FormatError, InputError, VerificationError
from tests.formats import builders
from tests.formats.conftest import REALWORLD, load

TREE = REALWORLD / "okx" / "full-liabilities-merkle-tree.txt"
USER = REALWORLD / "okx" / "user_info_file.json"
LINES = TREE.read_text().split("\n")  # ends with "" after the final newline


def _tree(lines: list[str]) -> bytes:
    return "\n".join(lines).encode()


def _line(number: int, hash_: str | None = None, height: int | None = None, balances: str | None = None) -> list[str]:
    lines = list(LINES)
    h, ht, bal = lines[number - 1].split(",", 2)
    lines[number - 1] = f"{hash_ or h},{height or ht},{balances or bal}"
    return lines


def test_the_real_tree_verifies_alone_and_with_the_user_file_in_either_order() -> None:
    alone = okx_v2.verify([TREE])
    assert alone.root == "9e98ebde32ef22ded88a5fb2d5e53d76ed57cb9c6b2c966f250721defe6ab041"
    assert alone.totals == {"BTC": "0.00005", "ETH": "0.1", "USDT": "1.42045977"}
    assert "no-customer-checked" in {f.code for f in alone.findings}
    for paths in ([TREE, USER], [USER, TREE]):
        result = okx_v2.verify(paths)
        assert result.balances == {"BTC": "0.00005", "ETH": "0", "USDT": "0"}
        assert result.details["leaves"] == "21"


def test_the_user_file_alone_is_a_usage_error() -> None:
    with pytest.raises(InputError):
        okx_v2.verify([USER])


TREE_TAMPERS = [
    ("leaf balance", _line(30, balances='{"BTC":"0","ETH":"0","USDT":"0.00011247"}'), "sum-mismatch"),
    ("inner node hash", _line(10, hash_="0" * 64), "node-hash"),
    ("root hash", _line(1, hash_="9e98ebde32ef22ded88a5fb2d5e53d76ed57cb9c6b2c966f250721defe6ab042"), "node-hash"),
    ("root balance", _line(1, balances='{"BTC":"0.00005","ETH":"0.1","USDT":"1.42045978"}'), "sum-mismatch"),
    ("level", _line(5, height=3), "level"),
    ("padding with a balance", _line(4, balances='{"BTC":"0","ETH":"0","USDT":"0.1"}'), "padding"),
    ("padding not a twin", _line(4, hash_="0" * 64), "padding"),
    ("missing leaf", LINES[:30] + LINES[31:], "padding"),
    ("missing inner node", LINES[:9] + LINES[10:], "node-count"),
]


@pytest.mark.parametrize(("what", "lines", "code"), TREE_TAMPERS, ids=[t[0] for t in TREE_TAMPERS])
def test_every_tampered_tree_is_rejected_naming_the_line(what: str, lines: list[str], code: str) -> None:
    with pytest.raises(VerificationError) as e:
        okx_v2.verify_tree_bytes(_tree(lines))
    assert e.value.code == code
    assert "line" in e.value.evidence or "height" in e.value.evidence


def test_levels_are_read_right_to_left() -> None:
    """Each level is listed right to left; reading one level left to right breaks its parents."""
    lines = list(LINES)
    assert {line.split(",")[1] for line in lines[7:13]} == {"3"}
    lines[7:13] = reversed(lines[7:13])  # the six nodes of height 3 (no padding among them)
    with pytest.raises(VerificationError) as e:
        okx_v2.verify_tree_bytes(_tree(lines))
    assert e.value.code in {"sum-mismatch", "node-hash"}  # their parents get other children


def test_a_broken_inner_node_passes_a_leaf_sum_but_not_the_rebuild() -> None:
    """OKX's own validator sums the leaves and looks the user's leaves up; it never rebuilds a node."""
    lines = _line(10, hash_="0" * 64)
    leaves = [line for line in lines if line.split(",")[1:2] == ["1"]]
    usdt = sum(Decimal(json.loads(line.split(",", 2)[2])["USDT"]) for line in leaves)
    assert usdt == Decimal("1.42045977")  # control: the leaves still add up to the root's total
    with pytest.raises(VerificationError):
        okx_v2.verify_tree_bytes(_tree(lines))


USER_DOC = load(USER)


@pytest.mark.parametrize(
    ("what", "change", "code"),
    [
        ("nonce", lambda d: d.update(nonce="0" * 64), "user-hash"),
        ("total", lambda d: d["totalBalances"].update(BTC="0.00006"), "user-hash"),
        ("leaf balance", lambda d: d["nodes"][0]["balances"].update(BTC="0.0000488"), "leaf-hash"),
        ("leaf hash", lambda d: d["nodes"][1].update(hash="0" * 64), "leaf-hash"),
    ],
)
def test_every_tampered_user_file_is_rejected(what: str, change, code: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(json.dumps(USER_DOC))
    change(doc)
    with pytest.raises(VerificationError) as e:
        okx_v2.verify_tree_bytes(TREE.read_bytes(), json.dumps(doc).encode())
    assert e.value.code == code


USERS = [
    ("n-alice", [("0.5", "0", "10"), ("0.25", "1", "0")]),
    ("n-bob", [("0", "0", "0"), ("0", "0", "0")]),  # an empty account
    ("n-carol", [("0.00000001", "0", "0"), ("0", "0", "3.5")]),
    ("n-dave", [("1", "0", "0"), ("0", "2", "0"), ("0", "0", "7")]),  # three leaves: an odd leaf level
]


def test_own_vectors_with_odd_levels_and_padding_verify() -> None:
    text, users = builders.okx_v2_files(USERS)
    for user in users:
        result = okx_v2.verify_tree_bytes(text.encode(), json.dumps(user).encode())
        assert result.totals == {"BTC": "1.75000001", "ETH": "3", "USDT": "20.5"}
    assert okx_v2.verify_tree_bytes(text.encode()).details["leaves"] == "9"


def test_equal_halves_make_equal_leaves_which_must_appear_as_often_as_listed() -> None:
    """An empty account split in two gives two identical leaves: both must be in the tree."""
    text, users = builders.okx_v2_files(USERS)
    bob = users[1]
    assert bob["nodes"][0]["hash"] == bob["nodes"][1]["hash"]
    okx_v2.verify_tree_bytes(text.encode(), json.dumps(bob).encode())
    bob["nodes"].append(bob["nodes"][0])  # listed three times, in the tree twice
    with pytest.raises(VerificationError) as e:
        okx_v2.verify_tree_bytes(text.encode(), json.dumps(bob).encode())
    assert e.value.code == "leaf-not-found"


def test_own_vectors_listed_left_to_right_are_rejected() -> None:
    text, _ = builders.okx_v2_files(USERS, reverse=False)
    with pytest.raises(VerificationError):
        okx_v2.verify_tree_bytes(text.encode())


def test_a_user_file_from_another_tree_is_not_found() -> None:
    text, _ = builders.okx_v2_files(USERS)
    _, others = builders.okx_v2_files([("n-eve", [("1", "0", "0"), ("0", "0", "1")]), *USERS[1:]])
    with pytest.raises(VerificationError) as e:
        okx_v2.verify_tree_bytes(text.encode(), json.dumps(others[0]).encode())
    assert e.value.code == "leaf-not-found"


def test_a_negative_leaf_is_an_anomaly_of_the_full_tree() -> None:
    text, _ = builders.okx_v2_files([("n-x", [("1", "0", "0"), ("-0.5", "0", "0")]), *USERS[:2]])
    result = okx_v2.verify_tree_bytes(text.encode())
    assert "negative-sum" in {f.code for f in result.findings}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (b"", "empty"),
        (b"zz,1,{}\n", "expected '<64 hex>"),
        (("a" * 64 + ',1,{"BTC":"0","ETH":"0"}\n').encode(), "missing USDT"),
        (("a" * 64 + ',1,{"BTC":"0","ETH":"0","USDT":1.5}\n').encode(), "floats"),
        (("a" * 64 + ',2,{"BTC":"0","ETH":"0","USDT":"0"}\n').encode(), "before the leaves"),
        (LINES[0].encode() + b"\n\n", "empty line"),
    ],
)
def test_malformed_tree_files_are_format_errors(text: bytes, fragment: str) -> None:
    with pytest.raises(FormatError, match=fragment):
        okx_v2.verify_tree_bytes(text)
