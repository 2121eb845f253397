"""OKX full liabilities tree file and user file, second version (March 2023).

Rules (docs/formats/okx-v2.md, learned from okx/proof-of-reserves
``common/merklev2.go``, ``common/validator.go``, ``cmd/merklevalidator/main.go``):

- tree file: one node per line, ``<hash>,<height>,{"BTC":"…","ETH":"…","USDT":"…"}``;
  the root first, then each level downwards (leaves have height 1); inside a level
  the nodes are listed right to left;
- parent = SHA-256(left hex + right hex + BTC + ETH + USDT + height), the parent's
  balances being the children's sums (rounded down to 8 decimals, printed without
  trailing zeros); a level with an odd number of nodes gets a padding node on the
  right: the hash of the node beside it with zero balances;
- user file ``{"hash", "nodes", "nonce", "totalBalances"}``: the user hash is
  SHA-256(nonce + ``{"BTC":"…","ETH":"…","USDT":"…"}`` of the totals), each of the
  user's leaves is SHA-256(user hash + BTC + ETH + USDT), and the leaves add up to
  the totals.

OKX's own validator sums the leaves of the tree file and looks the user's leaves up;
it never recomputes a node.  Here every node and the root are rebuilt from the
level below, and every leaf is checked for negative balances.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.common import (
    MAX_TREE_BYTES,
    check_recomputed,
    get_str,
    hex_digest,
    load_json,
    negative_findings,
    read_bytes,
    root_unanchored,
    same_digest,
    sha256_hex,
)
from solvent.formats.exchange_decimals import check_range, parse_amount, plain, round_down
from solvent.formats.okx_v1 import ASSETS, balances_json
from solvent.protocol.errors import FormatError, InputError, VerificationError
from solvent.protocol.layout import open_regular
from solvent.protocol.strictjson import check_fields

__all__ = [
    "FORMAT",
    "Tree",
    "TreeNode",
    "UserFile",
    "node_hash",
    "parse_tree",
    "sniff",
    "user_hash",
    "user_leaf_hash",
    "verify",
    "verify_files",
    "verify_tree",
    "verify_tree_bytes",
]

MAX_HEIGHT = 64
_LINE = re.compile(r"([0-9a-f]{64}),([1-9][0-9]?),(.*)\Z")
_FAST_BALANCES = re.compile(r'\{"BTC":"([^"\\]{1,80})","ETH":"([^"\\]{1,80})","USDT":"([^"\\]{1,80})"\}\Z')


@dataclass(frozen=True)
class TreeNode:
    hash: str
    height: int
    balances: tuple[str, ...]
    amounts: tuple[int, ...]
    line: int


@dataclass(frozen=True)
class Tree:
    """The tree file by level: ``levels[0]`` are the leaves, left to right; ``levels[-1]`` the root."""

    levels: tuple[tuple[TreeNode, ...], ...]

    @property
    def root(self) -> TreeNode:
        return self.levels[-1][0]


@dataclass(frozen=True)
class UserFile:
    hash: str
    nonce: str
    nodes: tuple[tuple[str, tuple[str, ...]], ...]  # (leaf hash, balance strings)
    totals: tuple[str, ...]

    @classmethod
    def from_dict(cls, obj: object) -> UserFile:
        d = check_fields(obj, {"hash", "nodes", "nonce", "totalBalances"}, "user")
        nodes = d["nodes"]
        if not isinstance(nodes, list) or not 1 <= len(nodes) <= 1024:
            raise FormatError("user.nodes: expected a list of 1 to 1024 leaves", code="length")
        parsed = []
        for k, node in enumerate(nodes):
            n = check_fields(node, {"balances", "hash"}, f"user.nodes[{k}]", optional={"height", "type"})
            parsed.append((hex_digest(n, "hash", f"user.nodes[{k}]", 64), _balances(n["balances"], f"user.nodes[{k}]")))
        return cls(
            hash=hex_digest(d, "hash", "user", 64),
            nonce=get_str(d, "nonce", "user"),
            nodes=tuple(parsed),
            totals=_balances(d["totalBalances"], "user.totalBalances"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "hash": self.hash,
            "nodes": [{"balances": dict(zip(ASSETS, b, strict=True)), "hash": h} for h, b in self.nodes],
            "nonce": self.nonce,
            "totalBalances": dict(zip(ASSETS, self.totals, strict=True)),
        }


def _balances(obj: object, where: str) -> tuple[str, ...]:
    bal = check_fields(obj, ASSETS, where)
    values = tuple(get_str(bal, a, where) for a in ASSETS)
    for a, v in zip(ASSETS, values, strict=True):
        parse_amount(v, f"{where}.{a}")
    return values


def _amounts(values: Sequence[str], where: str) -> tuple[int, ...]:
    return tuple(parse_amount(v, f"{where}.{a}") for a, v in zip(ASSETS, values, strict=True))


def node_hash(left: str, right: str, balances: Sequence[str], height: int) -> str:
    return sha256_hex(left + right + "".join(balances) + str(height))


def user_hash(nonce: str, totals: Sequence[str]) -> str:
    return sha256_hex(nonce + balances_json(totals))


def user_leaf_hash(uhash: str, balances: Sequence[str]) -> str:
    return sha256_hex(uhash + "".join(balances))


def _parse_line(text: str, line: int, name: str) -> TreeNode:
    where = f"{name} line {line}"
    m = _LINE.match(text.removesuffix("\r"))
    if m is None:
        raise FormatError(
            f"{where}: expected '<64 hex>,<height>,<balances JSON>'", code="line", evidence={"line": line}
        )
    fast = _FAST_BALANCES.match(m.group(3))
    if fast is not None:
        balances = fast.groups()
    else:
        balances = _balances(load_json(m.group(3).encode("utf-8"), where), where)
    return TreeNode(m.group(1), int(m.group(2)), tuple(balances), _amounts(balances, where), line)


def parse_tree(lines: Iterable[str], name: str = "tree") -> Tree:
    """Read the lines (root first, levels downwards, each level right to left) into levels."""
    levels: list[list[TreeNode]] = []  # file order: the root's level first
    for number, text in enumerate(lines, start=1):
        if text in ("", "\n", "\r\n"):
            raise FormatError(f"{name} line {number}: empty line", code="line", evidence={"line": number})
        node = _parse_line(text.rstrip("\n"), number, name)
        if not levels:
            if node.height > MAX_HEIGHT:
                raise FormatError(f"{name}: root height {node.height} is above {MAX_HEIGHT}", code="height")
            levels.append([node])
            continue
        current = levels[-1][0].height
        if node.height == current and len(levels) > 1:
            levels[-1].append(node)
        elif node.height == current - 1:
            levels.append([node])
        else:
            raise VerificationError(
                f"{name} line {number}: height {node.height} out of order "
                "(one root line, then every level down to height 1)",
                code="level",
                evidence={"line": number, "height": node.height, "previous": current},
            )
    if not levels:
        raise FormatError(f"{name}: the tree file is empty", code="empty")
    if levels[-1][0].height != 1:
        raise FormatError(f"{name}: the file ends at height {levels[-1][0].height}, before the leaves", code="level")
    # file order is right to left: reverse each level, leaves first
    return Tree(tuple(tuple(reversed(level)) for level in reversed(levels)))


def _is_twin(last: TreeNode, before: TreeNode) -> bool:
    return same_digest(last.hash, before.hash) and not any(last.amounts)


def real_counts(tree: Tree) -> list[int]:
    """How many real (not padding) nodes each level holds, leaves first; checks every padding node.

    Above the leaves the count is fixed by the level below (two children per real
    node); the level then lists one node more exactly when that count is odd (and it is
    not the root), and that node must be the zero-balance twin of the one beside it.
    At the leaves a final zero twin is read as padding (a real zero leaf would hash
    the same and add nothing).
    """
    levels = tree.levels
    if len(levels) == 1:
        if len(levels[0]) != 1:
            raise VerificationError("a tree of height 1 has one node", code="node-count")
        return [1]
    leaves = levels[0]
    if len(leaves) % 2:
        raise VerificationError(
            f"height 1 has an odd number of nodes ({len(leaves)}) and no padding node",
            code="padding",
            evidence={"height": 1, "nodes": len(leaves)},
        )
    counts = [len(leaves) - (1 if _is_twin(leaves[-1], leaves[-2]) else 0)]
    for j in range(1, len(levels)):
        level, real = levels[j], len(levels[j - 1]) // 2
        padded = real % 2 == 1 and j < len(levels) - 1
        if len(level) != real + padded:
            raise VerificationError(
                f"height {level[0].height} lists {len(level)} nodes, its children make {real}"
                + (" plus a padding node" if padded else ""),
                code="node-count",
                evidence={"height": level[0].height, "nodes": len(level), "expected": real + padded},
            )
        if padded and not _is_twin(level[-1], level[-2]):
            raise VerificationError(
                f"line {level[-1].line}: the padding node of height {level[0].height} is not the zero-balance "
                f"twin of the node beside it (line {level[-2].line})",
                code="padding",
                evidence={"line": level[-1].line, "height": level[0].height},
            )
        counts.append(real)
    return counts


def verify_tree(tree: Tree) -> tuple[tuple[TreeNode, ...], list[tuple[str, str, int]]]:
    """Rebuild every node from the level below it.

    Returns the real leaves (the padding twin left out) and the negative leaf
    balances found among them.
    """
    counts = real_counts(tree)
    leaves = tree.levels[0][: counts[0]]
    negatives = [
        (f"leaf line {node.line}", a, v) for node in leaves for a, v in zip(ASSETS, node.amounts, strict=True) if v < 0
    ]
    for j in range(1, len(tree.levels)):
        below, parents = tree.levels[j - 1], tree.levels[j][: counts[j]]
        for i, parent in enumerate(parents):
            left, right = below[2 * i], below[2 * i + 1]
            sums = tuple(
                round_down(check_range(a + b, f"line {parent.line}"), 8)
                for a, b in zip(left.amounts, right.amounts, strict=True)
            )
            if sums != parent.amounts:
                raise VerificationError(
                    f"line {parent.line}: the balances are not the sum of its children "
                    f"(lines {left.line}, {right.line})",
                    code="sum-mismatch",
                    evidence={
                        "line": parent.line,
                        "height": parent.height,
                        "expected": ",".join(plain(s) for s in sums),
                        "found": ",".join(parent.balances),
                    },
                )
            computed = node_hash(left.hash, right.hash, parent.balances, parent.height)
            if not same_digest(computed, parent.hash):
                raise VerificationError(
                    f"line {parent.line}: the hash does not re-compute from its children "
                    f"(lines {left.line}, {right.line})",
                    code="node-hash",
                    evidence={
                        "line": parent.line,
                        "height": parent.height,
                        "expected": parent.hash,
                        "computed": computed,
                    },
                )
    return leaves, negatives


def _check_user(leaves: Sequence[TreeNode], user: UserFile) -> tuple[int, ...]:
    """The user's hash and leaves re-compute, add up to the totals, and are in the tree as often as listed."""
    computed = user_hash(user.nonce, user.totals)
    check_recomputed(
        computed, user.hash, "user file: the hash does not re-compute from the nonce and totalBalances", "user-hash"
    )
    in_tree: dict[str, list[TreeNode]] = {}
    for node in leaves:
        in_tree.setdefault(node.hash, []).append(node)
    total = (0,) * len(ASSETS)
    for k, (leaf, balances) in enumerate(user.nodes):
        where = f"user.nodes[{k}]"
        recomputed = user_leaf_hash(user.hash, balances)
        check_recomputed(
            recomputed, leaf, f"{where}: the leaf hash does not re-compute from the user hash and balances"
        )
        found = in_tree.get(leaf, [])
        listed = sum(1 for other, _ in user.nodes if other == leaf)
        # equal halves of one balance make equal leaves: each must be in the tree as often as listed
        if len(found) != listed or any(node.balances != balances for node in found):
            raise VerificationError(
                f"{where}: the leaf is not in the tree file with these balances"
                + (f" ({len(found)} times, listed {listed})" if found else ""),
                code="leaf-not-found",
                evidence={"leaf": leaf, "tree_lines": ",".join(str(n.line) for n in found) or "none"},
            )
        total = tuple(
            round_down(check_range(t + a, where), 8) for t, a in zip(total, _amounts(balances, where), strict=True)
        )
    if total != _amounts(user.totals, "user.totalBalances"):
        raise VerificationError(
            "user file: the leaves do not add up to totalBalances",
            code="sum-mismatch",
            evidence={"expected": ",".join(user.totals), "computed": ",".join(plain(t) for t in total)},
        )
    return total


def verify_files(tree: Tree, user: UserFile | None = None) -> ForeignResult:
    """Rebuild the whole tree, then (with a user file) find and add up the user's leaves."""
    real_leaves, negatives = verify_tree(tree)
    root = tree.root
    leaves = len(real_leaves)
    findings: list[Finding] = [root_unanchored(root.hash)]
    checked = [
        f"every node of the tree ({sum(len(lv) for lv in tree.levels)} lines, height {root.height}) "
        "re-computed from its two children: hash and balances (OKX's own validator only sums the leaves)",
        "padding nodes are zero-balance twins, exactly where a level has an odd number of nodes",
        "no leaf has a negative balance" if not negatives else "every leaf checked for negative balances",
    ]
    balances: dict[str, str] = {}
    if user is None:
        findings.append(
            Finding(
                "limitation",
                "No user file was given: the tree is consistent, but no customer's inclusion was checked.",
                "no-customer-checked",
            )
        )
    else:
        total = _check_user(real_leaves, user)
        balances = {a: plain(v) for a, v in zip(ASSETS, total, strict=True)}
        checked += [
            "user hash re-computed from the nonce and totalBalances",
            f"the user's {len(user.nodes)} leaves re-computed, found once each in the tree, and added up",
        ]
        findings.append(
            Finding(
                "limitation",
                "The user file holds a nonce, not your account id: check that the nonce and totals match "
                "what your OKX account page shows for this audit.",
                "no-owner-binding",
            )
        )
    findings += [
        Finding(
            "leak",
            f"The tree file publishes every leaf's exact balances ({leaves} leaves, each customer's holdings "
            "split across leaves): the number of accounts and the distribution of balances are public.",
            "full-tree-balances",
        ),
        Finding(
            "limitation",
            "Other customers' leaves cannot be attributed to anyone: an account left out of the tree is "
            "caught only when its owner checks.",
            "exclusion",
        ),
        Finding(
            "info",
            "Because every node's balances are published and re-computed, the sum-only node hash cannot be "
            "used to show different customers different sibling balances, as long as all check the same file.",
            "full-tree-binding",
        ),
    ]
    findings += negative_findings(negatives)
    return ForeignResult(
        format="okx-v2",
        root=root.hash,
        totals=dict(zip(ASSETS, root.balances, strict=True)),
        balances=balances,
        findings=tuple(findings),
        checked=tuple(checked),
        details={"height": str(root.height), "leaves": str(leaves)},
    )


def verify_tree_bytes(tree: bytes, user: bytes | None = None, *, name: str = "tree") -> ForeignResult:
    """Verify a tree file (and optionally a user file) given as bytes."""
    try:
        text = tree.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(f"{name}: not UTF-8 (byte {e.start})") from e
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    parsed_user = UserFile.from_dict(load_json(user, "user file")) if user is not None else None
    return verify_files(parse_tree(lines, name), parsed_user)


#: Longest tree line read: a node's hash, height and balances JSON (a few hundred bytes for
#: OKX's assets); a longer line is refused before it is gathered into memory.
MAX_LINE_BYTES = 1 << 20


def _stream_lines(path: Path) -> Iterator[str]:
    """The tree file's lines, read from a regular file only, each bounded, in all at most MAX_TREE_BYTES."""
    with open_regular(path, "tree file") as f:
        if os.fstat(f.fileno()).st_size > MAX_TREE_BYTES:
            raise FormatError(f"{path}: the tree file is larger than {MAX_TREE_BYTES} bytes", code="too-large")
        total = 0
        number = 0
        while True:
            try:
                raw = f.readline(MAX_LINE_BYTES + 1)
            except OSError as e:
                raise InputError(f"{path}: cannot read the tree file ({e.strerror})") from e
            if not raw:
                return
            number += 1
            total += len(raw)
            if total > MAX_TREE_BYTES:
                raise FormatError(f"{path}: the tree file is larger than {MAX_TREE_BYTES} bytes", code="too-large")
            if len(raw) > MAX_LINE_BYTES:
                raise FormatError(
                    f"{path} line {number}: longer than {MAX_LINE_BYTES} bytes", code="line", evidence={"line": number}
                )
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise FormatError(f"{path} line {number}: not UTF-8", evidence={"line": number}) from e


def _is_user_file(path: Path) -> bool:
    with open_regular(path, "file") as f:
        try:
            return f.read(64).lstrip().startswith(b"{")
        except OSError as e:
            raise InputError(f"{path}: cannot read ({e.strerror})") from e


def verify(paths: Sequence[Path]) -> ForeignResult:
    """A tree file, optionally with the user file (in either order)."""
    users = [p for p in paths if _is_user_file(p)]
    trees = [p for p in paths if p not in users]
    if len(trees) != 1 or len(users) > 1:
        raise InputError(
            "okx-v2 takes the full tree file and at most one user file "
            f"(got {len(trees)} tree file(s), {len(users)} user file(s)); pass the other one with --with",
            code="companions",
        )
    user = UserFile.from_dict(load_json(read_bytes(users[0], "OKX user file"), str(users[0]))) if users else None
    return verify_files(parse_tree(_stream_lines(trees[0]), str(trees[0])), user)


def sniff(obj: object) -> bool:
    if isinstance(obj, dict):
        return set(obj) == {"hash", "nodes", "nonce", "totalBalances"}
    if isinstance(obj, str):
        first = obj.split("\n", 1)[0]
        return _LINE.match(first.removesuffix("\r")) is not None and '"BTC"' in first
    return False


FORMAT = ForeignFormat("okx-v2", "OKX full liabilities tree file and user file (v2, 2023)", sniff, verify)
