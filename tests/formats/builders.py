"""Small builders of other exchanges' trees and proofs, written straight from docs/formats/.

They share no code with ``solvent.formats`` (their own hashing, their own decimal
printing with the standard ``decimal`` module, their own padding): a proof built here
and accepted there is a check of both against the written rules, and the real files
in tests/vectors/realworld/ anchor those rules to what the exchanges publish.
Used to make the edge cases the real files do not have: padding nodes, odd levels,
empty balances, a leaf on either side, negative sums.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any

Node = tuple[str, list[Decimal]]  # (hash, balances)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def strip(d: Decimal) -> str:
    """Go decimal.String() / Java stripTrailingZeros().toPlainString()."""
    return "0" if d == 0 else format(d.normalize(), "f")


def fixed8(d: Decimal) -> str:
    return format(d.quantize(Decimal("0.00000001"), rounding=ROUND_DOWN), "f")


def build(
    leaves: Sequence[Node],
    parent: Callable[[Node, Node, int], str],
    pad: Callable[[Node], Node] | None,
) -> list[list[Node]]:
    """Levels from the leaves up; ``parent(left, right, level)`` with level 1 for the leaves' parents.

    An odd level gets ``pad(last node)`` appended when ``pad`` is given; without it the
    leaf count must be a power of two.
    """
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        row = levels[-1]
        if len(row) % 2:
            assert pad is not None, "odd level without a padding rule"
            row.append(pad(row[-1]))
        up = []
        for i in range(0, len(row), 2):
            sums = [a + b for a, b in zip(row[i][1], row[i + 1][1], strict=True)]
            up.append((parent(row[i], row[i + 1], len(levels)), sums))
        levels.append(up)
    return levels


def path_of(levels: list[list[Node]], index: int) -> list[tuple[int, Node, bool]]:
    """(level, sibling, sibling_is_padding) from the leaf level up."""
    out = []
    for k, row in enumerate(levels[:-1]):
        j = index ^ 1
        padding = j == len(row) - 1 and j % 2 == 1 and row[j][0] == row[j - 1][0]
        out.append((k, row[j], padding))
        index //= 2
    return out


# -- OKX v1 / v2 ----------------------------------------------------------------------

OKX = ("BTC", "ETH", "USDT")


def okx_parent(left: Node, right: Node, level: int) -> str:
    sums = [a + b for a, b in zip(left[1], right[1], strict=True)]
    return sha(left[0] + right[0] + "".join(strip(s) for s in sums) + str(level + 1))


def okx_twin(node: Node) -> Node:
    return (node[0], [Decimal(0)] * len(node[1]))


def okx_v1_proof(
    accounts: Sequence[tuple[str, Sequence[str]]], index: int, *, pad: Callable[[Node], Node] = okx_twin
) -> dict[str, Any]:
    """An OKX v1 proof of account ``index`` in a tree of ``accounts`` (nonce, balance strings).

    ``pad`` makes the padding node of an odd level (a cheating builder can pass its own).
    """
    leaves = []
    for nonce, bal in accounts:
        text = "{" + ",".join(f'"{a}":"{b}"' for a, b in zip(OKX, bal, strict=True)) + "}"
        leaves.append((sha(nonce + text), [Decimal(b) for b in bal]))
    levels = build(leaves, okx_parent, pad)
    nonce, bal = accounts[index]
    path = []
    for k, sib, padding in path_of(levels, index):
        side = 2 if (index >> k) & 1 == 0 else 1
        entry: dict[str, Any] = {
            "auditId": "t1",
            "balances": dict(zip(OKX, (strip(b) for b in sib[1]), strict=True)),
            "type": 4 if padding else side,
            "hash": sib[0],
            "height": k + 1,
        }
        if k == 0 and not padding:
            entry["nonce"] = accounts[index ^ 1][0]
            entry["balances"] = dict(zip(OKX, accounts[index ^ 1][1], strict=True))
        path.append(entry)
    root = levels[-1][0]
    path.append(
        {
            "auditId": "t1",
            "balances": dict(zip(OKX, (strip(b) for b in root[1]), strict=True)),
            "type": 3,
            "hash": root[0],
            "height": len(levels),
        }
    )
    me = {
        "auditId": "t1",
        "balances": dict(zip(OKX, bal, strict=True)),
        "type": 1 if index % 2 == 0 else 2,
        "nonce": nonce,
        "hash": leaves[index][0],
        "height": 1,
    }
    return {"self": me, "path": path}


def okx_v2_files(users: Sequence[tuple[str, Sequence[Sequence[str]]]], *, reverse: bool = True) -> tuple[str, list]:
    """The v2 tree file text and each user's file: users are (nonce, [split leaf balances...])."""
    leaves: list[Node] = []
    user_files = []
    for nonce, parts in users:
        totals = [sum((Decimal(p[i]) for p in parts), Decimal(0)) for i in range(3)]
        total_text = [strip(t) for t in totals]
        uhash = sha(nonce + "{" + ",".join(f'"{a}":"{t}"' for a, t in zip(OKX, total_text, strict=True)) + "}")
        nodes = []
        for part in parts:
            leaf = sha(uhash + "".join(part))
            leaves.append((leaf, [Decimal(b) for b in part]))
            nodes.append({"balances": dict(zip(OKX, part, strict=True)), "hash": leaf})
        user_files.append(
            {"hash": uhash, "nodes": nodes, "nonce": nonce, "totalBalances": dict(zip(OKX, total_text, strict=True))}
        )
    levels = build(leaves, okx_parent, okx_twin)
    lines = []
    for height, row in reversed(list(enumerate(levels, start=1))):
        for node in reversed(row) if reverse else row:
            bal = ",".join(f'"{a}":"{strip(b)}"' for a, b in zip(OKX, node[1], strict=True))
            lines.append(f"{node[0]},{height},{{{bal}}}")
    return "\n".join(lines) + "\n", user_files


# -- Bybit ----------------------------------------------------------------------------


def bybit_proof(assets: Sequence[str], accounts: Sequence[tuple[str, Sequence[str]]], index: int) -> dict[str, Any]:
    """A Bybit proof (power-of-two tree) of account ``index``: accounts are (userHash, balance strings)."""
    leaves = [(sha(uh + "".join(bal)), [Decimal(b) for b in bal]) for uh, bal in accounts]

    def parent(left: Node, right: Node, level: int) -> str:
        sums = [a + b for a, b in zip(left[1], right[1], strict=True)]
        return sha(left[0] + right[0] + "".join(fixed8(s) for s in sums) + str(level + 1))

    levels = build(leaves, parent, None)
    path = [
        {
            "auditId": "t1",
            "type": 2 if (index >> k) & 1 == 0 else 1,
            "hash": sib[0],
            "height": k + 1,
            "balance": dict(zip(assets, (fixed8(b) for b in sib[1]), strict=True)),
        }
        for k, sib, _ in path_of(levels, index)
    ]
    root = levels[-1][0]
    path.append(
        {
            "auditId": "t1",
            "type": 3,
            "hash": root[0],
            "height": len(levels),
            "balance": dict(zip(assets, (fixed8(b) for b in root[1]), strict=True)),
        }
    )
    uh, bal = accounts[index]
    me = {
        "auditId": "t1",
        "type": 1 if index % 2 == 0 else 2,
        "hash": leaves[index][0],
        "height": 1,
        "nonce": "n",
        "userHash": uh,
        "balance": dict(zip(assets, bal, strict=True)),
    }
    return {"self": me, "path": path}


# -- Bitget ---------------------------------------------------------------------------


def bitget_proof(
    assets: Sequence[str], accounts: Sequence[tuple[str, str, Sequence[str]]], index: int
) -> dict[str, Any]:
    """A Bitget proof of account ``index``: accounts are (encryptUid, nonce, balance strings)."""

    def text(bal: Sequence[Decimal]) -> str:
        return "{" + ",".join(f'"{a}":"{strip(b)}"' for a, b in zip(assets, bal, strict=True)) + "}"

    leaves = []
    for uid, nonce, bal in accounts:
        amounts = [Decimal(b) for b in bal]
        leaves.append((sha(f"{uid},{nonce},{text(amounts)}")[:16], amounts))
    height = 1
    while 1 << (height - 1) < len(leaves):
        height += 1
    top = height  # leaves sit at level `top`, the root at level 1

    def parent(left: Node, right: Node, level: int) -> str:
        sums = [a + b for a, b in zip(left[1], right[1], strict=True)]
        return sha(f"{left[0]}{right[0]},{text(sums)},{top - level}")[:16]

    levels = build(leaves, parent, okx_twin)
    assert len(levels) == top
    path = [
        {
            "auditId": "t1",
            "balances": dict(zip(assets, (strip(b) for b in sib[1]), strict=True)),
            "level": top - k,
            "merkelLeaf": sib[0],
            "role": 0 if padding else 2 if (index >> k) & 1 == 0 else 1,
        }
        for k, sib, padding in path_of(levels, index)
    ]
    root = levels[-1][0]
    path.append(
        {
            "auditId": "t1",
            "balances": dict(zip(assets, (strip(b) for b in root[1]), strict=True)),
            "level": 1,
            "merkelLeaf": root[0],
            "role": 3,
        }
    )
    uid, nonce, bal = accounts[index]
    me = {
        "auditId": "t1",
        "balances": dict(zip(assets, bal, strict=True)),
        "encryptUid": uid,
        "level": top,
        "merkelLeaf": leaves[index][0],
        "nonce": nonce,
        "role": 1 if index % 2 == 0 else 2,
    }
    return {"path": path, "self": me}


def bitget_legacy_proof(
    java_order: Sequence[str],
    accounts: Sequence[tuple[str, str, Sequence[str]]],
    index: int,
    file_order: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A Bitget proof of account ``index`` by the rule before 2025-11 (docs/formats/bitget.md).

    Balances are hashed unquoted as Java's ``BigDecimal.toString()`` prints them, which is
    what ``str()`` of a ``decimal.Decimal`` prints (both are the General Decimal Arithmetic
    "to-scientific-string": ``2.10`` stays, ``0.00000001`` is ``1E-8``), keys in
    ``java_order``: the order Java's HashMap iterates these names, taken from a run of
    OpenJDK, not computed here.  The file lists the keys in ``file_order`` (default:
    ``java_order``) and writes each value as an unquoted number ``"#<text>"`` that
    :func:`legacy_json` unquotes.
    """
    order = list(file_order or java_order)

    def text(bal: Sequence[Decimal]) -> str:
        return "{" + ",".join(f'"{a}":{b}' for a, b in zip(java_order, bal, strict=True)) + "}"

    def written(bal: Sequence[Decimal]) -> dict[str, str]:
        by_name = dict(zip(java_order, bal, strict=True))
        return {a: f"#{by_name[a]}" for a in order}

    leaves = []
    for uid, nonce, bal in accounts:
        amounts = [Decimal(b) for b in bal]
        leaves.append((sha(f"{uid},{nonce},{text(amounts)}")[:16], amounts))
    height = 1
    while 1 << (height - 1) < len(leaves):
        height += 1
    top = height

    def parent(left: Node, right: Node, level: int) -> str:
        sums = [a + b for a, b in zip(left[1], right[1], strict=True)]
        return sha(f"{left[0]}{right[0]},{text(sums)},{top - level}")[:16]

    levels = build(leaves, parent, okx_twin)
    path = [
        {
            "auditId": "t0",
            "balances": written(sib[1]),
            "level": top - k,
            "merkelLeaf": sib[0],
            "role": 0 if padding else 2 if (index >> k) & 1 == 0 else 1,
        }
        for k, sib, padding in path_of(levels, index)
    ]
    root = levels[-1][0]
    path.append({"auditId": "t0", "balances": written(root[1]), "level": 1, "merkelLeaf": root[0], "role": 3})
    uid, nonce, _ = accounts[index]
    me = {
        "auditId": "t0",
        "balances": written(leaves[index][1]),
        "encryptUid": uid,
        "level": top,
        "merkelLeaf": leaves[index][0],
        "nonce": nonce,
        "role": 1 if index % 2 == 0 else 2,
    }
    return {"path": path, "self": me}


def legacy_json(doc: Any) -> str:
    """JSON text of a :func:`bitget_legacy_proof`, its ``"#<text>"`` values written as bare numbers."""
    return re.sub(r'"#(-?[0-9.Ee+-]+)"', r"\1", json.dumps(doc))


# -- MEXC -----------------------------------------------------------------------------


def mexc_pairs(balances: dict[str, Decimal] | dict[str, str], *, stripped: bool) -> str:
    return ",".join(f"{k}:{strip(Decimal(v)) if stripped else v}" for k, v in sorted(balances.items()))


def mexc_proof(proof_id: str, accounts: Sequence[tuple[str, dict[str, str]]], index: int) -> dict[str, Any]:
    """A MEXC proof of account ``index``; a node without a sibling is paired with the empty hash."""
    defaults = ("BTC", "USDT", "ETH", "USDC")
    row: list[tuple[str, dict[str, Decimal]]] = [
        (sha(f"{proof_id},{acct},{mexc_pairs(bal, stripped=False)}")[:32], {k: Decimal(v) for k, v in bal.items()})
        for acct, bal in accounts
    ]
    path: list[dict[str, Any]] = []
    level, i = 0, index
    while len(row) > 1:
        up = []
        for j in range(0, len(row), 2):
            left = row[j]
            right = row[j + 1] if j + 1 < len(row) else ("", {})
            sums = dict(left[1])
            if right[0]:
                for d in defaults:
                    sums.setdefault(d, Decimal(0))
                for k, v in right[1].items():
                    sums[k] = sums.get(k, Decimal(0)) + v
            up.append((sha(f"{left[0]},{right[0]},{mexc_pairs(sums, stripped=True)}")[:32], sums))
        sib_index = i ^ 1
        if sib_index < len(row):
            sib = row[sib_index]
            path.append(
                {
                    "level": level,
                    "type": 2 if i % 2 == 0 else 1,
                    "hash": sib[0],
                    "balances": {k: strip(v) for k, v in sib[1].items()},
                }
            )
        row, level, i = up, level + 1, i // 2
    path.append({"level": level, "type": 3, "hash": row[0][0], "balances": {k: strip(v) for k, v in row[0][1].items()}})
    acct, bal = accounts[index]
    me = {
        "level": 0,
        "type": 1 if index % 2 == 0 else 2,
        "hash": sha(f"{proof_id},{acct},{mexc_pairs(bal, stripped=False)}")[:32],
        "balances": bal,
        "proofId": proof_id,
        "accountId": acct,
    }
    return {"pathList": path, "self": me}
