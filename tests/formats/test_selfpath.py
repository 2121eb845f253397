"""The shared self+path mechanism: the fold's order, the padding check, the reading of the shape."""

from __future__ import annotations

import json
from dataclasses import replace
from types import ModuleType
from typing import Any

import pytest

from solvent.formats import bitget, bybit, mexc, okx_v1
from solvent.formats.selfpath import Sibling, check_padding, fold_path, leaf_index
from solvent.protocol.errors import FormatError, VerificationError


def _sib(k: int, left: bool, hash_: str, amounts: str) -> Sibling[str]:
    return Sibling(f"path[{k}]", k + 1, left, False, hash_, amounts, False)


def test_the_fold_puts_a_left_sibling_first_in_the_sum_and_in_the_hash() -> None:
    """Symbolic hashes and sums: the result spells out the order of every operand, by hand."""
    def parent(left: str, right: str, sums: str, k: int) -> str:
        return f"H{k}({left},{right})"

    def add(left: str, right: str, where: str) -> str:
        return f"({left}+{right})"

    siblings = [_sib(0, False, "B", "b"), _sib(1, True, "C", "c"), _sib(2, False, "D", "d")]
    root, sums, nodes = fold_path("A", "a", siblings, parent, add)
    assert nodes == ["A", "H0(A,B)", "H1(C,H0(A,B))"]
    assert sums == "((c+(a+b))+d)"
    assert root == "H2(H1(C,H0(A,B)),D)"
    # the leaf is a left child, then a right child, then a left child: binary 010
    assert leaf_index(siblings) == 0b010


def test_the_fold_of_an_empty_path_is_the_leaf() -> None:
    assert fold_path("A", "a", [], lambda *_: "never", lambda *_: "never") == ("A", "a", [])


def test_a_sibling_marked_as_padding_must_be_the_zero_balance_twin() -> None:
    twin = Sibling("path[1]", 2, False, True, "bb", (0, 0), True)
    nodes = ["aa", "bb"]
    check_padding([replace(twin, hash="cc", padding=False), twin], nodes, "marked as padding")
    for fake in (replace(twin, hash="cc"), replace(twin, amounts=(0, 5), zero=False)):
        with pytest.raises(VerificationError) as e:
            check_padding([replace(twin, padding=False), fake], nodes, "marked empty (padding)")
        assert e.value.code == "padding"
        assert str(e.value).startswith("path[1] is marked empty (padding) but")
        assert e.value.evidence == {"level": "2", "padding_hash": fake.hash, "node_hash": "bb"}


SHAPES: list[tuple[ModuleType, dict[str, Any]]] = [
    (okx_v1, {"self": [], "path": [{}]}),
    (bybit, {"self": [], "path": [{}, {}]}),
    (bitget, {"self": [], "path": [{}, {}]}),
    (mexc, {"pathList": [{}], "self": []}),
]


@pytest.mark.parametrize(("module", "doc"), SHAPES, ids=[m.__name__.rsplit(".", 1)[1] for m, _ in SHAPES])
def test_a_node_that_is_not_an_object_is_a_type_error_naming_it(module: ModuleType, doc: dict[str, Any]) -> None:
    with pytest.raises(FormatError) as e:
        module.verify_proof(json.dumps(doc).encode())
    assert str(e.value) == "self: expected an object, got list"
    assert e.value.code == "type" and e.value.evidence == {"field": "self"}


@pytest.mark.parametrize(("module", "low"), [(okx_v1, 1), (bybit, 2), (bitget, 2)])
def test_the_path_length_is_bounded_before_any_node_is_read(module: ModuleType, low: int) -> None:
    for path in ([None] * (low - 1), [None] * 65, {"0": None}):
        with pytest.raises(FormatError) as e:
            module.verify_proof(json.dumps({"self": None, "path": path}).encode())
        assert str(e.value) == f"proof.path: expected a list of {low} to 64 nodes" and e.value.code == "length"
