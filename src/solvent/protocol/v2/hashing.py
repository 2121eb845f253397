"""Leaf, node and padding hashes of a v2 per-asset sum tree.

::

    leaf_hash = H(0x00 || lp(S) || hashed_id || u128be(amount))
    node_hash = H(0x01 || L.hash || u128be(L.sum) || R.hash || u128be(R.sum))

The symbol ``S`` inside every leaf keeps the trees apart: a leaf of one asset's tree can
never be passed off as a leaf of another's, even with the same id and amount.  Padding
leaves (id of 32 zero bytes, amount 0) fill a tree up to ``2^height`` leaves; the root of
an empty tree is the padding leaf with sum 0.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from solvent.protocol.amounts import AMOUNT_LIMIT, check_amount
from solvent.protocol.errors import FormatError, SumOverflow
from solvent.protocol.hashing import LEAF_PREFIX, MAX_HEIGHT, NODE_PREFIX, PAD_ID
from solvent.protocol.ids import lp

__all__ = ["MAX_HEIGHT", "PAD_ID", "SumNode", "height_for", "leaf_node", "pad_node", "parent"]


@dataclass(frozen=True)
class SumNode:
    """A node of one asset's tree: its 32-byte hash and its sum (base units)."""

    hash: bytes
    sum: int

    def record(self) -> bytes:
        """``hash || u128be(sum)``: what this node contributes to its parent's hash."""
        return self.hash + check_amount(self.sum, "sum").to_bytes(16, "big")


def leaf_node(symbol: str, hashed_id: bytes, amount: int) -> SumNode:
    if len(hashed_id) != 32:
        raise FormatError("a hashed id is 32 bytes", code="length")
    body = LEAF_PREFIX + lp(symbol.encode("ascii")) + hashed_id + check_amount(amount).to_bytes(16, "big")
    return SumNode(hashlib.sha256(body).digest(), amount)


def parent(left: SumNode, right: SumNode, *, level: int | None = None, symbol: str = "?") -> SumNode:
    """The parent of two nodes; SumOverflow if the sum reaches 2^128 (threat L3)."""
    total = left.sum + right.sum
    if total >= AMOUNT_LIMIT:
        raise SumOverflow(
            f"{symbol}: a sum overflows 2^128" + (f" at level {level}" if level is not None else ""),
            evidence={"asset": symbol, "level": level if level is not None else "?", "sum": total},
        )
    return SumNode(hashlib.sha256(NODE_PREFIX + left.record() + right.record()).digest(), total)


@lru_cache(maxsize=8192)
def pad_node(level: int, symbol: str) -> SumNode:
    """``pad_level(S)``: the root of an all-padding subtree of ``S`` (level 0 = a padding leaf)."""
    if level == 0:
        return leaf_node(symbol, PAD_ID, 0)
    below = pad_node(level - 1, symbol)
    return parent(below, below, symbol=symbol)


def height_for(leaf_count: int) -> int:
    """The smallest ``h >= 0`` with ``2^h >= leaf_count``: 0 for an empty or one-leaf tree."""
    if leaf_count < 0:
        raise ValueError("a leaf count is not negative")
    return max(leaf_count - 1, 0).bit_length()
