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

The whole tree is kept for that, packed by level (:class:`Level`: hash bytes and the
balance strings as written), so a node costs less memory than its line in the file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from array import array
from binascii import hexlify
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.common import (
    MAX_TREE_BYTES,
    bounded_lines,
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
from solvent.formats.exchange_decimals import SCALE, check_range, parse_amount, plain, round_down
from solvent.formats.okx_v1 import ASSETS, balances_json
from solvent.protocol.errors import FormatError, InputError, VerificationError
from solvent.protocol.layout import open_regular
from solvent.protocol.strictjson import check_fields

__all__ = [
    "FORMAT",
    "Level",
    "Rebuilt",
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


#: Bytes of one node's hash as kept in memory (the file writes it as 64 hex digits).
HASH_BYTES = 32


@dataclass(frozen=True)
class TreeNode:
    """One node as the file states it (a view of a :class:`Level`; big trees never hold these)."""

    hash: str
    height: int
    balances: tuple[str, ...]
    amounts: tuple[int, ...]
    line: int


@dataclass(frozen=True)
class Level:
    """One level of the tree file, packed in file order (right to left).

    A node costs its 32-byte hash, an 8-byte end offset and its balance strings as written
    (``BTC,ETH,USDT``, ASCII digits): the strings are what its parent's hash is made of and
    what a user file is compared with, and they are the shortest form of the amounts,
    which are parsed again where they are summed.  Indexes are left to right, as in the
    tree; ``level[i]`` unpacks one node (small trees, tests and error messages only).
    """

    height: int
    first_line: int  # the file line of the level's first (rightmost) node
    hashes: bytearray = field(default_factory=bytearray)
    texts: bytearray = field(default_factory=bytearray)
    ends: array[int] = field(default_factory=lambda: array("Q"))

    def __len__(self) -> int:
        return len(self.ends)

    def add(self, digest: str, balances: Sequence[str]) -> None:
        """Pack the next line of the level (the node to the left of the previous one)."""
        self.hashes.extend(bytes.fromhex(digest))
        self.texts.extend(",".join(balances).encode("ascii"))
        self.ends.append(len(self.texts))

    def position(self, i: int) -> int:
        """The file position (0: the level's first line) of node ``i`` from the left (negative: from the right)."""
        n = len(self.ends)
        if not -n <= i < n:
            raise IndexError(i)
        return n - 1 - (i % n)

    def digest_at(self, at: int) -> bytes:
        return bytes(self.hashes[at * HASH_BYTES : (at + 1) * HASH_BYTES])

    def text_at(self, at: int) -> bytes:
        """The balance strings, as ``BTC,ETH,USDT``, of the node at file position ``at``."""
        return bytes(self.texts[self.ends[at - 1] if at else 0 : self.ends[at]])

    def digest(self, i: int) -> bytes:
        return self.digest_at(self.position(i))

    def text(self, i: int) -> bytes:
        return self.text_at(self.position(i))

    def line(self, i: int) -> int:
        return self.first_line + self.position(i)

    def __getitem__(self, i: int) -> TreeNode:
        balances = tuple(self.text(i).decode("ascii").split(","))
        return TreeNode(self.digest(i).hex(), self.height, balances, _amounts(balances, "tree"), self.line(i))


@dataclass(frozen=True)
class Tree:
    """The tree file by level: ``levels[0]`` are the leaves; ``levels[-1]`` the root."""

    levels: tuple[Level, ...]

    @property
    def root(self) -> TreeNode:
        return self.levels[-1][0]

    @property
    def lines(self) -> int:
        return sum(len(level) for level in self.levels)


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


def _parse_line(text: str, line: int, name: str) -> tuple[str, int, tuple[str, ...]]:
    """(hash, height, balance strings) of one line; every amount is checked here, where it is read."""
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
    _amounts(balances, where)
    return m.group(1), int(m.group(2)), tuple(balances)


def parse_tree(lines: Iterable[str], name: str = "tree") -> Tree:
    """Read the lines (root first, levels downwards, each level right to left) into packed levels.

    Each line is checked and packed as it is read: a streamed file is never held as text or
    as objects per line.  What is refused, and in which order, does not depend on that:
    every line is read before the structure is checked.
    """
    levels: list[Level] = []  # file order: the root's level first
    for number, text in enumerate(lines, start=1):
        if text in ("", "\n", "\r\n"):
            raise FormatError(f"{name} line {number}: empty line", code="line", evidence={"line": number})
        digest, height, balances = _parse_line(text.rstrip("\n"), number, name)
        if not levels:
            if height > MAX_HEIGHT:
                raise FormatError(f"{name}: root height {height} is above {MAX_HEIGHT}", code="height")
            levels.append(Level(height, number))
        elif height == levels[-1].height and len(levels) > 1:
            pass
        elif height == levels[-1].height - 1:
            levels.append(Level(height, number))
        else:
            raise VerificationError(
                f"{name} line {number}: height {height} out of order "
                "(one root line, then every level down to height 1)",
                code="level",
                evidence={"line": number, "height": height, "previous": levels[-1].height},
            )
        levels[-1].add(digest, balances)
    if not levels:
        raise FormatError(f"{name}: the tree file is empty", code="empty")
    if levels[-1].height != 1:
        raise FormatError(f"{name}: the file ends at height {levels[-1].height}, before the leaves", code="level")
    return Tree(tuple(reversed(levels)))


def _is_twin(level: Level) -> bool:
    """The level's rightmost node has the hash of the one beside it and zero balances."""
    return same_digest(level[-1].hash, level[-2].hash) and not any(level[-1].amounts)


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
    counts = [len(leaves) - (1 if _is_twin(leaves) else 0)]
    for j in range(1, len(levels)):
        level, real = levels[j], len(levels[j - 1]) // 2
        padded = real % 2 == 1 and j < len(levels) - 1
        if len(level) != real + padded:
            raise VerificationError(
                f"height {level.height} lists {len(level)} nodes, its children make {real}"
                + (" plus a padding node" if padded else ""),
                code="node-count",
                evidence={"height": level.height, "nodes": len(level), "expected": real + padded},
            )
        if padded and not _is_twin(level):
            raise VerificationError(
                f"line {level.line(-1)}: the padding node of height {level.height} is not the zero-balance "
                f"twin of the node beside it (line {level.line(-2)})",
                code="padding",
                evidence={"line": level.line(-1), "height": level.height},
            )
        counts.append(real)
    return counts


def _units(text: bytes) -> list[int]:
    """The amounts of balance strings that :func:`parse_amount` accepted when the line was read.

    The same value without its checks (``-?digits[.digits]``, at most 18 decimals, in range):
    a sum is re-computed once for every node, and the checks were the dearer part.
    """
    units = []
    for value in text.decode("ascii").split(","):
        whole, _, fraction = value.partition(".")
        units.append(int(whole + fraction.ljust(SCALE, "0")))
    return units


@dataclass(frozen=True)
class Rebuilt:
    """What :func:`verify_tree` established: the real leaves, and the negative balances among them."""

    leaves: int  # real leaves: levels[0][:leaves], the padding twin left out
    negatives: list[tuple[str, str, int]]  # the first NEGATIVES_SHOWN (where, asset, value)
    negative_count: int


#: Negative leaf balances kept for the report (negative_findings shows this many, then a count).
NEGATIVES_SHOWN = 8


def verify_tree(tree: Tree) -> Rebuilt:
    """Rebuild every node from the level below it, leaves first, each level left to right.

    The amounts are parsed from the kept strings where they are summed (each node's once as
    a child and once as a parent), never held for the whole tree.
    """
    counts = real_counts(tree)
    leaves = tree.levels[0]
    negatives: list[tuple[str, str, int]] = []
    negative_count = 0

    def note_negatives(line: int, amounts: Sequence[int]) -> None:
        nonlocal negative_count
        for a, v in zip(ASSETS, amounts, strict=True):
            if v < 0:
                negative_count += 1
                if len(negatives) < NEGATIVES_SHOWN:
                    negatives.append((f"leaf line {line}", a, v))

    if len(tree.levels) == 1:
        note_negatives(leaves.first_line, _units(leaves.text_at(0)))
    for j in range(1, len(tree.levels)):
        below, here = tree.levels[j - 1], tree.levels[j]
        hashes = memoryview(below.hashes)
        height = str(here.height).encode("ascii")
        for i in range(counts[j]):
            # file positions: each level is listed right to left, so the right child comes first
            at, left_at = len(here) - 1 - i, len(below) - 1 - 2 * i
            right_at = left_at - 1
            line, left_line, right_line = here.first_line + at, below.first_line + left_at, below.first_line + right_at
            mine = here.text_at(at)
            left_amounts, right_amounts = _units(below.text_at(left_at)), _units(below.text_at(right_at))
            if j == 1:  # every real leaf is a child here, left to right (a padding leaf is all zero)
                note_negatives(left_line, left_amounts)
                note_negatives(right_line, right_amounts)
            sums = [
                round_down(check_range(a + b, f"line {line}"), 8)
                for a, b in zip(left_amounts, right_amounts, strict=True)
            ]
            if sums != _units(mine):
                raise VerificationError(
                    f"line {line}: the balances are not the sum of its children (lines {left_line}, {right_line})",
                    code="sum-mismatch",
                    evidence={
                        "line": line,
                        "height": here.height,
                        "expected": ",".join(plain(s) for s in sums),
                        "found": mine.decode("ascii"),
                    },
                )
            # node_hash(left, right, balances, height), from the packed bytes
            digest = hashlib.sha256(
                hexlify(hashes[left_at * HASH_BYTES : (left_at + 1) * HASH_BYTES])
                + hexlify(hashes[right_at * HASH_BYTES : left_at * HASH_BYTES])
                + mine.replace(b",", b"")
                + height
            ).digest()
            if not hmac.compare_digest(digest, here.digest_at(at)):
                raise VerificationError(
                    f"line {line}: the hash does not re-compute from its children (lines {left_line}, {right_line})",
                    code="node-hash",
                    evidence={
                        "line": line,
                        "height": here.height,
                        "expected": here.digest_at(at).hex(),
                        "computed": digest.hex(),
                    },
                )
    return Rebuilt(counts[0], negatives, negative_count)


def _user_leaves(leaves: Level, real: int, user: UserFile) -> dict[str, list[int]]:
    """Where in the tree (leaf indexes, left to right) each of the user's leaf hashes is."""
    wanted = {bytes.fromhex(leaf) for leaf, _ in user.nodes}
    found: dict[str, list[int]] = {}
    for i in range(real):
        digest = leaves.digest(i)
        if digest in wanted:
            found.setdefault(digest.hex(), []).append(i)
    return found


def _check_user(leaves: Level, real: int, user: UserFile) -> tuple[int, ...]:
    """The user's hash and leaves re-compute, add up to the totals, and are in the tree as often as listed."""
    computed = user_hash(user.nonce, user.totals)
    check_recomputed(
        computed, user.hash, "user file: the hash does not re-compute from the nonce and totalBalances", "user-hash"
    )
    in_tree = _user_leaves(leaves, real, user)
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
        text = ",".join(balances).encode("ascii")
        if len(found) != listed or any(leaves.text(i) != text for i in found):
            raise VerificationError(
                f"{where}: the leaf is not in the tree file with these balances"
                + (f" ({len(found)} times, listed {listed})" if found else ""),
                code="leaf-not-found",
                evidence={"leaf": leaf, "tree_lines": ",".join(str(leaves.line(i)) for i in found) or "none"},
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
    rebuilt = verify_tree(tree)
    root = tree.root
    leaves = rebuilt.leaves
    findings: list[Finding] = [root_unanchored(root.hash)]
    checked = [
        f"every node of the tree ({tree.lines} lines, height {root.height}) "
        "re-computed from its two children: hash and balances (OKX's own validator only sums the leaves)",
        "padding nodes are zero-balance twins, exactly where a level has an odd number of nodes",
        "no leaf has a negative balance" if not rebuilt.negative_count else "every leaf checked for negative balances",
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
        total = _check_user(tree.levels[0], leaves, user)
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
    findings += negative_findings(rebuilt.negatives, rebuilt.negative_count)
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
    parsed_user = UserFile.from_dict(load_json(user, "user file")) if user is not None else None
    return verify_files(parse_tree(_split_lines(text), name), parsed_user)


def _split_lines(text: str) -> Iterator[str]:
    """``text.split("\\n")`` without a final empty line, one line at a time."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


#: Longest tree line read: a node's hash, height and balances JSON (a few hundred bytes for
#: OKX's assets); a longer line is refused before it is gathered into memory.
MAX_LINE_BYTES = 1 << 20


def _stream_lines(path: Path) -> Iterator[str]:
    """The tree file's lines, read from a regular file only, each bounded, in all at most MAX_TREE_BYTES."""
    with open_regular(path, "tree file") as f:
        if os.fstat(f.fileno()).st_size > MAX_TREE_BYTES:
            raise FormatError(f"{path}: the tree file is larger than {MAX_TREE_BYTES} bytes", code="too-large")
        for number, raw in enumerate(
            bounded_lines(f, path, max_line=MAX_LINE_BYTES, limit=MAX_TREE_BYTES, what="tree file"), start=1
        ):
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
