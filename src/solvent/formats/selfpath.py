"""The "self + path" proof of OKX v1, Bybit and Bitget: its shape, the checks before the fold, the fold.

All three publish one customer's proof as ``{"self": <leaf>, "path": [<sibling>, ...,
<root>]}``: the leaf with what its hash is made of, one sibling per level from the
leaf up, and the root last.  Bybit's format is a fork of OKX's (the same ``type``
flags and heights); Bitget's is built the same way under its own names.  The logic
they share is written once here, so that a fix reaches all three:

- reading the shape (:func:`read_self_path`) into a :class:`SelfPathProof`;
- the precondition checks: OKX's and Bybit's flags and heights
  (:func:`check_typed_path`), and the two every format makes (:func:`check_sides`,
  :func:`check_one_audit`);
- the fold of the leaf up the path (:func:`fold_path`) and, once the root has
  matched, the padding check (:func:`check_padding`) and the print of the root's
  totals (:func:`check_root_text`);
- small pieces of the verdicts: the leaf's position (:func:`leaf_index`), the
  negative balances on the path (:func:`path_negatives`), and :func:`self_of` for
  sniffing.

What differs stays in each format's module, beside its docs/formats page: the leaf
and node hash rules, how sums are added and printed, which flag value means which
side, how levels are numbered, field names and key order, and the findings.  MEXC's
proof looks alike but has another shape (a missing level stands for an empty
sibling, and a node's side comes from the level above), so it takes none of this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from solvent.formats.common import same_digest
from solvent.formats.exchange_decimals import check_range
from solvent.protocol.errors import FormatError, VerificationError
from solvent.protocol.strictjson import check_fields

__all__ = [
    "LEFT",
    "MAX_LEVELS",
    "RIGHT",
    "ROOT",
    "SelfPathProof",
    "Sibling",
    "add_tuples",
    "check_one_audit",
    "check_padding",
    "check_root_text",
    "check_sides",
    "check_typed_path",
    "fold_path",
    "leaf_index",
    "level_error",
    "path_negatives",
    "read_self_path",
    "self_of",
]

#: OKX's ``type`` flags (a node's own side), which Bybit kept; Bitget numbers its ``role`` alike.
LEFT, RIGHT, ROOT = 1, 2, 3
#: Paths longer than this describe trees of more than 2^63 accounts: a hostile file, not a proof.
MAX_LEVELS = 64

A = TypeVar("A")  # a node's balances in the format's own form: a tuple in asset order, or a mapping in key order


class _Node(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


N = TypeVar("N", bound=_Node)
N_co = TypeVar("N_co", bound=_Node, covariant=True)


class _ReadNode(Protocol[N_co]):
    def __call__(self, obj: object, where: str, *, leaf: bool = ...) -> N_co: ...


class _TypedNode(Protocol):
    """A node of OKX v1 or Bybit: its ``type`` flag, its ``height`` and audit id."""

    @property
    def type(self) -> int: ...

    @property
    def height(self) -> int: ...

    @property
    def audit_id(self) -> str | None: ...


@dataclass(frozen=True)
class SelfPathProof(Generic[N]):
    """The leaf (``self``) and its path, the root last; each format's ``Proof`` is one of these."""

    leaf: N
    path: tuple[N, ...]

    @property
    def root(self) -> N:
        return self.path[-1]

    def to_dict(self) -> dict[str, Any]:
        return {"self": self.leaf.to_dict(), "path": [p.to_dict() for p in self.path]}


def read_self_path(obj: object, read_node: _ReadNode[N], min_nodes: int) -> tuple[N, tuple[N, ...]]:
    """``{"self": ..., "path": [...]}`` with ``min_nodes`` to ``MAX_LEVELS`` path nodes.

    Each node is read by the format's own ``read_node(obj, where, leaf=...)``, the
    leaf first.  The length bound comes before any node is read, so a hostile file
    cannot make the reader walk an unbounded list.
    """
    d = check_fields(obj, {"self", "path"}, "proof")
    path = d["path"]
    if not isinstance(path, list) or not min_nodes <= len(path) <= MAX_LEVELS:
        raise FormatError(f"proof.path: expected a list of {min_nodes} to {MAX_LEVELS} nodes", code="length")
    return read_node(d["self"], "self", leaf=True), tuple(read_node(p, f"path[{k}]") for k, p in enumerate(path))


def self_of(obj: object) -> dict[str, Any] | None:
    """The ``self`` object of a parsed file shaped like ``{"self": {...}, "path": ...}``, else None.

    For sniffing: each format then looks for its own field names in it.
    """
    if isinstance(obj, dict) and set(obj) == {"self", "path"} and isinstance(obj["self"], dict):
        return obj["self"]
    return None


def level_error(where: str, expected: int, found: int) -> VerificationError:
    return VerificationError(
        f"{where}: level {found} is not the level of this position ({expected})",
        code="level",
        evidence={"field": where, "expected": expected, "found": found},
    )


def check_typed_path(leaf: _TypedNode, path: Sequence[_TypedNode]) -> None:
    """Every precondition OKX v1 and Bybit share, before folding: flags, heights, sides, one audit.

    ``type`` 1 is a left node, 2 a right one, 3 the root (only last); the leaf has
    height 1, ``path[k]`` height ``k + 1`` and the root the path's length (Bybit
    took both from OKX: docs/formats/bybit.md).  OKX's own tool trusts the heights
    it reads; here a height that is not its position's is refused by name, before a
    parent is hashed at the wrong height.
    """
    root, n = path[-1], len(path)
    if leaf.height != 1 or leaf.type not in (LEFT, RIGHT):
        raise FormatError("self: a leaf has height 1 and type 1 (left) or 2 (right)", code="type")
    if root.type != ROOT:
        raise FormatError(f"path[{n - 1}]: the last node must be the root (type 3)", code="type")
    if root.height != n:
        raise level_error(f"path[{n - 1}]", n, root.height)
    for k, node in enumerate(path[:-1]):
        if node.type == ROOT:
            raise FormatError(f"path[{k}]: a root (type 3) before the end of the path", code="type")
        if node.height != k + 1:
            raise level_error(f"path[{k}]", k + 1, node.height)
    if n > 1:  # OKX's one-account tree: the path is the root alone, and the leaf has no sibling
        check_sides("type", leaf.type, path[0].type)
    check_one_audit(p.audit_id for p in (leaf, *path))


def check_sides(flag: str, leaf: int | None, sibling: int | None) -> None:
    """The leaf and its first sibling are the two children of one parent: never on the same side."""
    if leaf == sibling:
        raise VerificationError(
            "self and its sibling path[0] claim the same side",
            code="side",
            evidence={f"self.{flag}": leaf, f"path[0].{flag}": sibling},
        )


def check_one_audit(audit_ids: Iterable[str | None]) -> None:
    """Nodes that name their audit must all name the same one (a path spliced from two trees would not)."""
    audits = {a for a in audit_ids if a is not None}
    if len(audits) > 1:
        raise VerificationError(
            "the nodes of the proof name different audits",
            code="audit-id",
            evidence={"audit_ids": ",".join(sorted(audits))},
        )


@dataclass(frozen=True)
class Sibling(Generic[A]):
    """One sibling on a path, as the fold and the padding check see it.

    ``level`` is its level in the format's own numbering, ``left`` says it is the
    left child (so the path's node is the right one), ``padding`` that the file marks
    it as padding, ``zero`` that every balance in ``amounts`` is zero.
    """

    where: str
    level: int
    left: bool
    padding: bool
    hash: str
    amounts: A
    zero: bool


def fold_path(
    leaf_hash: str,
    leaf_amounts: A,
    siblings: Sequence[Sibling[A]],
    parent_hash: Callable[[str, str, A, int], str],
    add: Callable[[A, A, str], A],
) -> tuple[str, A, list[str]]:
    """Fold a leaf up a path: one parent per sibling.

    ``add(left, right, where)`` is the format's sum of two children's balances,
    range-checked at every level (it gets the left child first: Bitget orders a
    parent's keys by it); ``parent_hash(left, right, sums, k)`` is the format's node
    rule for the parent made at step ``k`` (0 = the leaf's parent).  Returns the
    computed root hash and sums, and the hash of the path's node at every level
    (``[k]`` is the node beside sibling ``k``), for checks that need them once the
    root has matched.
    """
    node, sums = leaf_hash, leaf_amounts
    nodes = []
    for k, sib in enumerate(siblings):
        nodes.append(node)
        if sib.left:
            sums = add(sib.amounts, sums, sib.where)
            node = parent_hash(sib.hash, node, sums, k)
        else:
            sums = add(sums, sib.amounts, sib.where)
            node = parent_hash(node, sib.hash, sums, k)
    return node, sums, nodes


def add_tuples(left: tuple[int, ...], right: tuple[int, ...], where: str) -> tuple[int, ...]:
    """Two children's balances added asset by asset, for formats with a fixed asset order (OKX, Bybit)."""
    if len(left) != len(right):
        raise FormatError(f"{where}: wrong number of balances", code="length")
    return tuple(check_range(a + b, f"sum at {where}") for a, b in zip(left, right, strict=True))


def leaf_index(siblings: Sequence[Sibling[Any]]) -> int:
    """The leaf's position in its level: bit ``k`` is set when the path's node at step ``k`` is a right child."""
    return sum(1 << k for k, sib in enumerate(siblings) if sib.left)


def path_negatives(leaf: Mapping[str, int], path: Iterable[Mapping[str, int]]) -> list[tuple[str, str, int]]:
    """Every negative balance or sum on the proof, as ``(where, asset, value)``: ``self`` first, then ``path[k]``."""
    named = [("self", leaf), *((f"path[{k}]", amounts) for k, amounts in enumerate(path))]
    return [(where, asset, v) for where, amounts in named for asset, v in amounts.items() if v < 0]


def check_padding(siblings: Sequence[Sibling[Any]], nodes: Sequence[str], marked: str) -> None:
    """A sibling the file marks as padding must be the zero-balance twin of the path's node beside it.

    Checked once the root has matched: a failure then means the exchange's own tree
    holds a fake padding node, not that the path was damaged.  ``marked`` is how the
    format's flag reads in the message.
    """
    for k, sib in enumerate(siblings):
        if sib.padding and (not same_digest(sib.hash, nodes[k]) or not sib.zero):
            raise VerificationError(
                f"{sib.where} is {marked} but is not the zero-balance twin of the node beside it",
                code="padding",
                evidence={"level": sib.level, "padding_hash": sib.hash, "node_hash": nodes[k]},
            )


def check_root_text(
    field: str, written: Mapping[str, str], totals: Mapping[str, int], show: Callable[[int], str], exchange: str
) -> None:
    """The root's balance strings must be exactly the exchange's print of the computed totals.

    The totals were compared as numbers; this catches a root that was written by
    hand or by another tool (OKX and Bybit hash sums as printed text, so the print
    is part of the format).
    """
    for asset, value in totals.items():
        if written[asset] != show(value):
            raise FormatError(
                f"path[root].{field}.{asset}: {written[asset]!r} is not written as {exchange} writes a sum",
                code="decimal",
            )
