"""A naive reference of protocol v2 (one sum tree per asset), written from the spec alone.

Shares no code with solvent: its own leaf, node and padding hashes, every level held
in lists, proofs read off the levels.  Slow and obviously right; the KAT and the
differential tests compare solvent against it.
"""

from __future__ import annotations

import hashlib

from tests.reference.naive import lp, u128

Node = tuple[bytes, int]


def leaf(symbol: str, hashed_id: bytes, amount: int) -> Node:
    return hashlib.sha256(b"\x00" + lp(symbol.encode()) + hashed_id + u128(amount)).digest(), amount


def node(left: Node, right: Node) -> Node:
    total = left[1] + right[1]
    assert total < 2**128
    return hashlib.sha256(b"\x01" + left[0] + u128(left[1]) + right[0] + u128(right[1])).digest(), total


def pad(level: int, symbol: str) -> Node:
    below = leaf(symbol, bytes(32), 0)
    for _ in range(level):
        below = node(below, below)
    return below


def height(leaf_count: int) -> int:
    h = 0
    while (1 << h) < leaf_count:
        h += 1
    return h


def levels(symbol: str, holdings: list[tuple[bytes, int]]) -> list[list[Node]]:
    """Every level of one asset's tree, padded to 2^height leaves (level 0 = leaves)."""
    ordered = sorted(holdings)
    assert all(a > 0 for _, a in ordered) and len({h for h, _ in ordered}) == len(ordered)
    h = height(len(ordered))
    row = [leaf(symbol, hid, a) for hid, a in ordered] + [pad(0, symbol)] * ((1 << h) - len(ordered))
    out = [row]
    while len(row) > 1:
        row = [node(row[i], row[i + 1]) for i in range(0, len(row), 2)]
        out.append(row)
    return out


def proof_entry(symbol: str, decimals: int, holdings: list[tuple[bytes, int]], hashed_id: bytes) -> dict[str, object]:
    """The ``entries[]`` item of a solvent-proof/2 for ``hashed_id`` in this asset's tree."""
    ordered = sorted(holdings)
    index = [hid for hid, _ in ordered].index(hashed_id)
    tree = levels(symbol, holdings)
    root_hash, root_sum = tree[-1][0]
    return {
        "symbol": symbol,
        "decimals": decimals,
        "index": index,
        "amount": str(ordered[index][1]),
        "siblings": [
            {"hash": tree[k][(index >> k) ^ 1][0].hex(), "sum": str(tree[k][(index >> k) ^ 1][1])}
            for k in range(len(tree) - 1)
        ],
        "root": {"hash": root_hash.hex(), "sum": str(root_sum), "height": len(tree) - 1, "leaf_count": len(ordered)},
    }


def csv_text(holdings: list[tuple[bytes, int]], decimals: int) -> str:
    """``liabilities/<S>.csv``: header, one row per leaf in leaf order, amounts in asset units."""
    rows = ["hashed_id,amount"]
    for hid, amount in sorted(holdings):
        whole, frac = divmod(amount, 10**decimals)
        rows.append(f"{hid.hex()},{whole}" + (f".{frac:0{decimals}d}" if decimals else ""))
    return "\n".join(rows) + "\n"
