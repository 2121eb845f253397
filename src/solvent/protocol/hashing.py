"""Leaf and node hashes of the Merkle sum tree (spec §4 (The liabilities tree)).

::

    leaf_hash = H(0x00 || hashed_id || u128be(a_1) || ... || u128be(a_n))
    node_hash = H(0x01 || L.hash || u128be(L.s_1..n) || R.hash || u128be(R.s_1..n))

Both children's sums are inside the parent's hash (the fix of Maxwell's scheme,
threat L1); the 0x00 / 0x01 prefixes keep leaves and nodes apart (L5); every field
has a fixed width (L9).  Padding leaves (id of 32 zero bytes, all amounts 0) fill the
tree up to ``2^height`` leaves; nodes are never duplicated (L6).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from solvent.protocol.amounts import AMOUNT_LIMIT, check_amount
from solvent.protocol.errors import SumOverflow

__all__ = [
    "LEAF_PREFIX",
    "MAX_HEIGHT",
    "NODE_PREFIX",
    "PAD_ID",
    "Node",
    "encode_sums",
    "height_for",
    "leaf_node",
    "node_record",
    "pad_node",
    "parent",
]

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
PAD_ID = bytes(32)
MAX_HEIGHT = 40


@dataclass(frozen=True)
class Node:
    """A tree node: its 32-byte hash and one sum per asset (base units)."""

    hash: bytes
    sums: tuple[int, ...]


def encode_sums(sums: Sequence[int]) -> bytes:
    """``u128be(s_1) || ... || u128be(s_n)``, after a range check of every value."""
    return b"".join(check_amount(s, "sum").to_bytes(16, "big") for s in sums)


def node_record(node: Node) -> bytes:
    """``hash || u128be(sums)``: the bytes a node contributes to its parent's hash."""
    return node.hash + encode_sums(node.sums)


def leaf_node(hashed_id: bytes, amounts: Sequence[int]) -> Node:
    if len(hashed_id) != 32:
        raise ValueError("hashed_id must be 32 bytes")
    digest = hashlib.sha256(LEAF_PREFIX + hashed_id + encode_sums(amounts)).digest()
    return Node(digest, tuple(amounts))


def parent(left: Node, right: Node, *, level: int | None = None) -> Node:
    """The parent of two nodes; raises SumOverflow if any sum reaches 2^128 (L3)."""
    if len(left.sums) != len(right.sums):
        raise ValueError("children have different asset counts")
    sums = tuple(a + b for a, b in zip(left.sums, right.sums, strict=True))
    for i, s in enumerate(sums):
        if s >= AMOUNT_LIMIT:
            raise SumOverflow(
                f"sum of asset #{i} overflows 2^128" + (f" at level {level}" if level is not None else ""),
                evidence={"asset_index": i, "level": level if level is not None else "?", "sum": s},
            )
    digest = hashlib.sha256(NODE_PREFIX + node_record(left) + node_record(right)).digest()
    return Node(digest, sums)


@lru_cache(maxsize=4096)
def pad_node(level: int, n_assets: int) -> Node:
    """The root of an all-padding subtree of the given level (0 = a padding leaf)."""
    if level == 0:
        return leaf_node(PAD_ID, (0,) * n_assets)
    below = pad_node(level - 1, n_assets)
    return parent(below, below)


def height_for(leaf_count: int) -> int:
    """The smallest ``h >= 0`` with ``2^h >= leaf_count``."""
    if leaf_count < 1:
        raise ValueError("a tree has at least one leaf")
    return (leaf_count - 1).bit_length()
