"""BitMEX proof of liabilities: the full tree file and the per-account proof.

Rules (docs/formats/bitmex.md, learned from BitMEX/proof-of-reserves-liabilities
``generate_liabilities.py``, ``validate_liabilities.py`` and its README):

- all numbers are 8-byte little-endian unsigned (``le64``), values in satoshis;
- sub-nonce = SHA-256(account nonce || le64(block height) || le64(account number));
  BitMEX serves it to the customer as the "nonce" of one proof;
- leaf = HMAC-SHA256(key = sub-nonce, le64(value) || le64(leaf index));
- node = SHA-256(L.hash || le64(L.value) || R.hash || le64(R.value)), value = L + R:
  both children's values are hashed, so the sum-only flaw of Maxwell's scheme does
  not apply;
- tree file: ``block_height:<n>``, then ``<hex hash>,<value>`` per node, the root
  first and then each row left to right; the leaf row is a power of two long (each
  balance is split into at least two leaves and the leaves are shuffled);
- account proof (the validator's ``--print-proof-csv`` output): one line per leaf of
  the account, ``leaf index,block height,leaf value`` then ``sibling hash,sibling
  value`` from the leaf level up.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.common import bounded_lines, read_bytes, root_unanchored
from solvent.protocol.errors import FormatError, InputError, RootMismatch, SumOverflow, VerificationError
from solvent.protocol.layout import open_regular

__all__ = [
    "FORMAT",
    "MAX_PROOF_FILE_BYTES",
    "MAX_TREE_FILE_BYTES",
    "NODE_BYTES",
    "AccountProof",
    "ProofLine",
    "Tree",
    "find_account_leaves",
    "leaf_hash",
    "node",
    "parse_proof",
    "parse_tree",
    "sniff",
    "sub_nonce",
    "verify",
    "verify_proof",
    "verify_tree",
    "verify_with",
]

U64 = 1 << 64
MAX_HEIGHT = 40
_HEADER = re.compile(r"block_height:(0|[1-9][0-9]{0,19})\Z")
_U64_TEXT = r"(?:0|[1-9][0-9]{0,19})"
_NODE_B = re.compile(rb"([0-9a-f]{64}),(0|[1-9][0-9]{0,19})\Z")
_HEADER_B = re.compile(rb"block_height:(0|[1-9][0-9]{0,19})\Z")
_PROOF = re.compile(rf"({_U64_TEXT}),({_U64_TEXT}),({_U64_TEXT})((?:,[0-9a-f]{{64}},{_U64_TEXT})*)\Z")


def _le64(value: int, where: str) -> bytes:
    if not 0 <= value < U64:
        raise SumOverflow(f"{where}: {value} does not fit 8 unsigned bytes", evidence={"field": where, "value": value})
    return struct.pack("<Q", value)


def sub_nonce(account_nonce: bytes, block_height: int, account: int) -> bytes:
    return hashlib.sha256(account_nonce + _le64(block_height, "block height") + _le64(account, "account")).digest()


def leaf_hash(nonce: bytes, value: int, index: int) -> bytes:
    return hmac.new(nonce, _le64(value, "leaf value") + _le64(index, "leaf index"), hashlib.sha256).digest()


def node(left: tuple[bytes, int], right: tuple[bytes, int], where: str = "node") -> tuple[bytes, int]:
    """The parent of two (hash, value) nodes; the value must still fit 64 bits (threat L3)."""
    value = left[1] + right[1]
    data = left[0] + _le64(left[1], where) + right[0] + _le64(right[1], where)
    _le64(value, f"{where} sum")
    return hashlib.sha256(data).digest(), value


#: Bytes of one node kept in memory: its hash, then its value as le64 -- exactly the bytes a
#: parent hashes for each child, so two neighbours side by side are the parent's preimage.
NODE_BYTES = 40
#: The tree file is refused above this size (FormatError, code ``too-large``).  A node line is
#: at least 67 bytes and is kept as 40, so the whole tree costs at most 0.6 of the file in
#: memory (a 1 GiB file: about 16 million nodes, 8 million leaves -- far beyond BitMEX's
#: published trees).  The old reading (a Python string and tuple per line) took about 26
#: times the file (docs/benchmarks.md).
MAX_TREE_FILE_BYTES = 1 << 30
#: An account proof is one short line per leaf of one account.
MAX_PROOF_FILE_BYTES = 16 * 1024 * 1024
#: Longest line read: a proof line with MAX_HEIGHT siblings (the tree's lines are at most 88).
MAX_LINE_BYTES = 64 + MAX_HEIGHT * 86


@dataclass(frozen=True)
class Tree:
    """``rows[0]`` is the leaf row, ``rows[-1]`` the root; each row packs its nodes as
    ``hash || le64(value)`` (:data:`NODE_BYTES` each), so a big tree costs 40 bytes a node
    instead of three Python objects."""

    block_height: int
    rows: tuple[bytes, ...]

    @property
    def root(self) -> tuple[bytes, int]:
        return _unpack(self.rows[-1], 0)

    @property
    def leaf_count(self) -> int:
        return len(self.rows[0]) // NODE_BYTES

    @property
    def node_count(self) -> int:
        return sum(len(r) for r in self.rows) // NODE_BYTES

    @property
    def levels(self) -> tuple[tuple[tuple[bytes, int], ...], ...]:
        """The rows as (hash, value) tuples (small trees and tests only: it unpacks every node)."""
        return tuple(tuple(_unpack(r, i) for i in range(len(r) // NODE_BYTES)) for r in self.rows)


def _unpack(row: bytes, i: int) -> tuple[bytes, int]:
    at = i * NODE_BYTES
    return row[at : at + 32], int.from_bytes(row[at + 32 : at + NODE_BYTES], "little")


def _u64(text: str | bytes, where: str) -> int:
    value = int(text)
    if value >= U64:
        shown = text.decode("ascii") if isinstance(text, bytes) else text
        raise FormatError(f"{where}: {shown} does not fit 8 unsigned bytes", code="range", evidence={"field": where})
    return value


def _as_bytes(raw: str | bytes, name: str, number: int) -> bytes:
    if isinstance(raw, bytes):
        return raw
    try:
        return raw.encode("ascii")
    except UnicodeEncodeError as e:
        raise FormatError(f"{name} line {number}: not ASCII text", code="encoding", evidence={"line": number}) from e


def parse_tree(lines: Iterable[str | bytes], name: str = "tree") -> Tree:
    """``block_height:<n>`` then one node per line, rows of 1, 2, 4, ... nodes from the root.

    Lines are consumed one at a time and each node is packed into its row at once, so a
    streamed file never exists in memory as text or as per-line objects.
    """
    rows: list[bytearray] = []
    block_height = -1
    for number, raw in enumerate(lines, start=1):
        text = _as_bytes(raw, name, number).rstrip(b"\n").removesuffix(b"\r")
        if number == 1:
            m = _HEADER_B.match(text)
            if m is None:
                raise FormatError(f"{name} line 1: expected 'block_height:<n>'", code="line", evidence={"line": 1})
            block_height = _u64(m.group(1), f"{name} line 1")
            continue
        m = _NODE_B.match(text)
        if m is None:
            raise FormatError(
                f"{name} line {number}: expected '<64 hex>,<value>'", code="line", evidence={"line": number}
            )
        if not rows or len(rows[-1]) == NODE_BYTES << (len(rows) - 1):
            if len(rows) > MAX_HEIGHT:
                raise FormatError(f"{name}: more than {MAX_HEIGHT} levels", code="height")
            rows.append(bytearray())
        rows[-1] += bytes.fromhex(m.group(1).decode("ascii"))
        rows[-1] += _u64(m.group(2), f"{name} line {number}").to_bytes(8, "little")
    if not rows:
        raise FormatError(f"{name}: no nodes after the block height", code="empty")
    if len(rows[-1]) != NODE_BYTES << (len(rows) - 1):
        raise FormatError(
            f"{name}: the leaf row has {len(rows[-1]) // NODE_BYTES} nodes, not {1 << (len(rows) - 1)} "
            "(a power of two)",
            code="node-count",
        )
    return Tree(block_height, tuple(bytes(r) for r in reversed(rows)))


def verify_tree(tree: Tree) -> None:
    """Rebuild every node from its two children: hash and value (both values hashed)."""
    first_line = 2  # line numbers for evidence: the root is line 2
    line_of = {}
    for depth, row in enumerate(reversed(tree.rows)):
        line_of[len(tree.rows) - 1 - depth] = first_line
        first_line += len(row) // NODE_BYTES
    for level in range(1, len(tree.rows)):
        below, here = memoryview(tree.rows[level - 1]), tree.rows[level]
        for i in range(len(here) // NODE_BYTES):
            line = line_of[level] + i
            pair = below[2 * i * NODE_BYTES : (2 * i + 2) * NODE_BYTES]
            value = int.from_bytes(pair[32:40], "little") + int.from_bytes(pair[72:80], "little")
            _le64(value, f"line {line} sum")
            digest = hashlib.sha256(pair).digest()
            found_hash, found_value = _unpack(here, i)
            if not hmac.compare_digest(digest, found_hash) or value != found_value:
                raise VerificationError(
                    f"line {line}: the node does not re-compute from its two children",
                    code="node-hash",
                    evidence={
                        "line": line,
                        "level": level,
                        "expected": f"{found_hash.hex()},{found_value}",
                        "computed": f"{digest.hex()},{value}",
                    },
                )


def find_account_leaves(tree: Tree, nonce: bytes) -> list[tuple[int, int]]:
    """(index, value) of every leaf whose HMAC under ``nonce`` matches, as BitMEX's tool scans."""
    found = []
    for i in range(tree.leaf_count):
        digest, value = _unpack(tree.rows[0], i)
        if hmac.compare_digest(leaf_hash(nonce, value, i), digest):
            found.append((i, value))
    return found


@dataclass(frozen=True)
class ProofLine:
    index: int
    block_height: int
    value: int
    siblings: tuple[tuple[bytes, int], ...]
    line: int


@dataclass(frozen=True)
class AccountProof:
    lines: tuple[ProofLine, ...]


def parse_proof(lines: Iterable[str], name: str = "proof") -> AccountProof:
    out = []
    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip("\n").removesuffix("\r")
        m = _PROOF.match(text)
        if m is None:
            raise FormatError(
                f"{name} line {number}: expected 'index,block_height,value' then '<64 hex>,<value>' pairs",
                code="line",
                evidence={"line": number},
            )
        where = f"{name} line {number}"
        parts = m.group(4).split(",")[1:]
        siblings = tuple((bytes.fromhex(parts[k]), _u64(parts[k + 1], where)) for k in range(0, len(parts), 2))
        if len(siblings) > MAX_HEIGHT:
            raise FormatError(f"{where}: more than {MAX_HEIGHT} siblings", code="height")
        out.append(
            ProofLine(_u64(m.group(1), where), _u64(m.group(2), where), _u64(m.group(3), where), siblings, number)
        )
    if not out:
        raise FormatError(f"{name}: no proof lines", code="empty")
    return AccountProof(tuple(out))


def _fold(line: ProofLine, nonce: bytes) -> tuple[bytes, int]:
    if line.index >= 1 << len(line.siblings):
        raise FormatError(
            f"line {line.line}: leaf index {line.index} does not fit a tree of {len(line.siblings)} levels",
            code="index",
            evidence={"line": line.line, "index": line.index},
        )
    current = (leaf_hash(nonce, line.value, line.index), line.value)
    for level, sibling in enumerate(line.siblings):
        where = f"line {line.line} level {level}"
        current = node(sibling, current, where) if (line.index >> level) & 1 else node(current, sibling, where)
    return current


def verify_proof(proof: AccountProof, nonce: bytes) -> tuple[bytes, int]:
    """Fold every line of the account proof; all must reach the same root.  Returns that root."""
    first = proof.lines[0]
    roots = set()
    seen = set()
    for line in proof.lines:
        if line.block_height != first.block_height or len(line.siblings) != len(first.siblings):
            raise VerificationError(
                f"line {line.line}: another block height or tree height than line {first.line}",
                code="level",
                evidence={"line": line.line},
            )
        if line.index in seen:
            raise VerificationError(f"line {line.line}: leaf {line.index} is listed twice", code="duplicate-leaf")
        seen.add(line.index)
        roots.add(_fold(line, nonce))
    if len(roots) != 1:
        raise RootMismatch(
            "the lines of the account proof lead to different roots",
            evidence={"roots": ";".join(f"{h.hex()},{v}" for h, v in sorted(roots))},
        )
    return roots.pop()


def _nonce(params: Mapping[str, str], block_height: int) -> tuple[bytes, int | None]:
    """The per-proof nonce: given (``secret``), or derived from ``account_nonce`` and ``uid``."""
    unknown = set(params) - {"uid", "secret", "account_nonce"}
    if unknown:
        raise InputError(f"bitmex does not take {', '.join(sorted(unknown))}", code="params")
    uid = params.get("uid")
    account = None
    if uid is not None:
        if not re.fullmatch(r"0|[1-9][0-9]{0,19}", uid) or int(uid) >= U64:
            raise InputError("--uid: a BitMEX account number is an integer below 2^64", code="params")
        account = int(uid)
    secret, master = params.get("secret"), params.get("account_nonce")
    if (secret is None) == (master is None):
        raise InputError("bitmex needs exactly one of --secret (this proof's nonce) or --account-nonce", code="params")
    if secret is not None and account is not None:
        # This proof's nonce already stands for the account: nothing here could check the
        # number, and printing "account: N" for whatever N was typed would vouch for it.
        raise InputError(
            "bitmex: --uid cannot be checked with --secret (this proof's nonce does not depend on it); give "
            "--uid with --param account_nonce=HEX to derive the nonce from the account number, or drop --uid",
            code="params",
        )
    raw = (secret or master or "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", raw):
        raise InputError("the BitMEX nonce is 64 hex digits", code="params")
    if master is not None:
        if account is None:
            raise InputError(
                "--account-nonce needs --uid (the account number) to derive this proof's nonce", code="params"
            )
        return sub_nonce(bytes.fromhex(raw), block_height, account), account
    return bytes.fromhex(raw), account


def _is_tree_file(path: Path) -> bool:
    with open_regular(path, "BitMEX file") as f:
        try:
            return f.read(len(b"block_height:")) == b"block_height:"
        except OSError as e:
            raise InputError(f"{path}: cannot read ({e.strerror})") from e


def _read_tree(path: Path) -> Tree:
    """Stream the tree file line by line into packed rows (bounded: see MAX_TREE_FILE_BYTES)."""
    with open_regular(path, "BitMEX tree file") as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_TREE_FILE_BYTES:
            raise FormatError(
                f"{path}: the BitMEX tree file is larger than {MAX_TREE_FILE_BYTES} bytes",
                code="too-large",
                evidence={"file": str(path), "limit": MAX_TREE_FILE_BYTES},
            )
        return parse_tree(
            bounded_lines(f, path, max_line=MAX_LINE_BYTES, limit=MAX_TREE_FILE_BYTES, what="file"), str(path)
        )


def _read_proof(path: Path) -> AccountProof:
    data = read_bytes(path, "BitMEX account proof", MAX_PROOF_FILE_BYTES)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError as e:
        raise FormatError(f"{path}: not ASCII text (byte {e.start})", code="encoding") from e
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if not lines:
        raise FormatError(f"{path}: the file is empty", code="empty")
    return parse_proof(lines, str(path))


def _shared_findings(root: str) -> list[Finding]:
    return [
        root_unanchored(root),
        Finding(
            "info",
            "Each node hashes both children's values, not only their sum, so an exchange cannot show two "
            "customers different sibling values under one root (the fix of Maxwell's scheme).",
            "both-values-bound",
        ),
        Finding(
            "limitation",
            "One asset only (bitcoin, in satoshis, 64-bit values). An account left out of the tree is caught "
            "only when its owner checks.",
            "exclusion",
        ),
    ]


@dataclass(frozen=True)
class _Account:
    """What was established about one customer's leaves."""

    root: tuple[bytes, int]
    total: int
    leaves: tuple[int, ...]
    account: int | None
    checked: str


def _load(paths: Sequence[Path]) -> tuple[Tree | None, AccountProof | None]:
    """Tell the tree file (``block_height:`` first) from the account proof; at most one of each."""
    if not paths:
        raise InputError("bitmex takes one tree file, one account proof, or one of each", code="companions")
    trees = [p for p in paths if _is_tree_file(p)]
    proofs = [p for p in paths if p not in trees]
    if len(trees) > 1 or len(proofs) > 1:
        raise InputError("bitmex takes one tree file, one account proof, or one of each", code="companions")
    tree = _read_tree(trees[0]) if trees else None
    proof = _read_proof(proofs[0]) if proofs else None
    return tree, proof


def _check_account_proof(proof: AccountProof, tree: Tree | None, params: Mapping[str, str]) -> _Account:
    height = proof.lines[0].block_height
    if not params:
        raise InputError(
            "a BitMEX account proof needs the account's nonce: give --secret (or --uid and --account-nonce)",
            code="params",
        )
    nonce, account = _nonce(params, height)
    root = verify_proof(proof, nonce)
    if tree is not None:
        if height != tree.block_height:
            raise VerificationError(
                "the account proof is for another block height than the tree file",
                code="block-height",
                evidence={"proof": height, "tree": tree.block_height},
            )
        if not hmac.compare_digest(root[0], tree.root[0]) or root[1] != tree.root[1]:
            raise RootMismatch(
                "the account proof leads to another root than the tree file's",
                evidence={"expected_hash": tree.root[0].hex(), "computed_hash": root[0].hex()},
            )
    return _Account(
        root,
        sum(line.value for line in proof.lines),
        tuple(line.index for line in proof.lines),
        account,
        f"{len(proof.lines)} leaf HMACs re-computed from the nonce and folded up to one root",
    )


def _scan_tree(tree: Tree, params: Mapping[str, str]) -> _Account:
    nonce, account = _nonce(params, tree.block_height)
    found = find_account_leaves(tree, nonce)
    if not found:
        raise VerificationError(
            "no leaf of the tree matches this nonce: the nonce or account is wrong, or the balance is not in "
            "the tree (an account with a zero balance may have no leaf)",
            code="leaf-not-found",
            evidence={"leaves_scanned": tree.leaf_count},
        )
    return _Account(
        tree.root,
        sum(v for _, v in found),
        tuple(i for i, _ in found),
        account,
        f"all {tree.leaf_count} leaves scanned with the nonce's HMAC: {len(found)} are this account's",
    )


def verify_with(paths: Sequence[Path], params: Mapping[str, str]) -> ForeignResult:
    """A tree file and/or an account proof; with the account's nonce, find and sum its leaves."""
    tree, proof = _load(paths)
    checked: list[str] = []
    findings: list[Finding] = []
    if tree is not None:
        verify_tree(tree)
        checked.append(f"every node of the tree ({tree.node_count} nodes) re-computed: hash and value")
        findings.append(
            Finding(
                "leak",
                f"The tree file publishes every leaf's value ({tree.leaf_count} leaves). Balances are split into "
                "random parts and shuffled, which hides single balances and their order, not the leaf count or the "
                "distribution of values.",
                "full-tree-values",
            )
        )
    if proof is not None:
        mine: _Account | None = _check_account_proof(proof, tree, params)
    elif tree is not None and params:
        mine = _scan_tree(tree, params)
    else:
        mine = None
        findings.append(
            Finding(
                "limitation",
                "No nonce was given: the tree is consistent, but no customer's inclusion was checked.",
                "no-customer-checked",
            )
        )
    if tree is None:
        findings.append(
            Finding(
                "limitation",
                "Only the account proof was given: its root was computed, not compared with the published tree "
                "file. Pass the tree file too (--with) to compare.",
                "proof-only",
            )
        )
    root = mine.root if mine is not None else tree.root if tree is not None else (b"", 0)
    height = tree.block_height if tree is not None else proof.lines[0].block_height if proof is not None else 0
    details = {"block_height": str(height)}
    if mine is not None:
        checked.append(mine.checked)
        details["leaves"] = ",".join(map(str, mine.leaves))
        if mine.account is not None:
            details["account"] = str(mine.account)
    return ForeignResult(
        format="bitmex",
        root=root[0].hex(),
        totals={"XBt": str(root[1])},
        balances={"XBt": str(mine.total)} if mine is not None else {},
        findings=tuple(_shared_findings(root[0].hex()) + findings),
        checked=tuple(checked),
        details=details,
    )


def verify(paths: Sequence[Path]) -> ForeignResult:
    return verify_with(paths, {})


def sniff(obj: object) -> bool:
    if not isinstance(obj, str):
        return False
    first = obj.split("\n", 1)[0].removesuffix("\r")
    proof = _PROOF.match(first)
    return _HEADER.match(first) is not None or (proof is not None and proof.group(4) != "")


FORMAT = ForeignFormat(
    "bitmex",
    "BitMEX proof of liabilities (tree file and account proof)",
    sniff,
    verify,
    params={
        "uid": "your BitMEX account number",
        "secret": "this proof's nonce (64 hex digits, from your account page)",
        "account_nonce": "your account's lifetime nonce (64 hex digits; needs uid)",
    },
    verify_with=verify_with,
)
