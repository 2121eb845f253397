"""The inclusion proof format ``solvent-proof/1`` (spec §6 (Inclusion proofs)) and the tree head it ends in.

Parsing is step (1) of verification: format string, exact field sets and types,
exact hex lengths, canonical integers in [0, 2^128), vectors of exactly
``len(assets)`` entries.  Unknown fields are rejected by name.

Writing: :class:`ProofRenderer` is the one Python producer of proof bytes (``solvent
prove``, the API, the demo, :meth:`Proof.to_json`); the static site's page writes the
same bytes in the browser (``js/proof_bytes.js``), held to these by the ``proof-bytes``
conformance vectors.  It writes what
:func:`~solvent.protocol.strictjson.dumps_canonical` would write for :meth:`Proof.to_dict`
(a property test holds it to that), from string templates: the parts every proof of a
snapshot shares (format, snapshot id, assets, root) are rendered once, and a server
renders each sibling once and keeps the upper levels' texts, which makes a proof about
ten times cheaper than ``json.dumps``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from solvent.protocol.amounts import parse_canonical_int
from solvent.protocol.assets import Asset, assets_from_json, assets_to_json
from solvent.protocol.errors import FormatError
from solvent.protocol.hashing import MAX_HEIGHT, Node, height_for
from solvent.protocol.ids import check_snapshot_id
from solvent.protocol.strictjson import check_fields, check_int, hex_bytes, loads_strict

__all__ = ["PROOF_FORMAT", "Leaf", "Proof", "ProofRenderer", "Root", "parse_proof", "parse_siblings", "parse_sums"]

PROOF_FORMAT = "solvent-proof/1"
MAX_PROOF_BYTES = 4 * 1024 * 1024
MAX_LEAF_COUNT = 1 << MAX_HEIGHT


T = TypeVar("T")

def parse_sums(value: object, n_assets: int, where: str) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise FormatError(f"{where}: expected a list of decimal strings", code="type", evidence={"field": where})
    if len(value) != n_assets:
        raise FormatError(
            f"{where}: {len(value)} entries, the snapshot has {n_assets} assets",
            code="length",
            evidence={"field": where},
        )
    return tuple(parse_canonical_int(v, f"{where}[{i}]") for i, v in enumerate(value))


def parse_siblings(value: object, where: str, node: Callable[[object, str], T]) -> tuple[T, ...]:
    """A proof's path: a list of at most MAX_HEIGHT siblings, each parsed by ``node(obj, where)``."""
    if not isinstance(value, list):
        raise FormatError(f"{where}: expected a list", code="type", evidence={"field": where})
    if len(value) > MAX_HEIGHT:
        raise FormatError(f"{where}: {len(value)} nodes, at most {MAX_HEIGHT}", code="length")
    return tuple(node(item, f"{where}[{k}]") for k, item in enumerate(value))


def _sums_json(sums: Sequence[int]) -> list[str]:
    return [str(s) for s in sums]


@dataclass(frozen=True)
class Root:
    """The tree head: root hash and sums (total liabilities), height and leaf count."""

    hash: bytes
    sums: tuple[int, ...]
    height: int
    leaf_count: int

    @property
    def node(self) -> Node:
        return Node(self.hash, self.sums)

    @classmethod
    def from_dict(cls, obj: object, n_assets: int, where: str = "root") -> Root:
        d = check_fields(obj, {"hash", "sums", "height", "leaf_count"}, where)
        root = cls(
            hash=hex_bytes(d["hash"], f"{where}.hash", 32),
            sums=parse_sums(d["sums"], n_assets, f"{where}.sums"),
            height=check_int(d["height"], f"{where}.height", 0, MAX_HEIGHT),
            leaf_count=check_int(d["leaf_count"], f"{where}.leaf_count", 1, MAX_LEAF_COUNT),
        )
        root.check_shape(where)
        return root

    def check_shape(self, where: str = "root") -> None:
        """``leaf_count <= 2^height`` and ``height`` the smallest such (spec §4 (The liabilities tree)): one tree,
        one shape."""
        if self.leaf_count > 1 << self.height:
            raise FormatError(
                f"{where}: leaf_count {self.leaf_count} does not fit a tree of height {self.height}",
                code="leaf-count",
                evidence={"leaf_count": self.leaf_count, "height": self.height},
            )
        if self.height != height_for(self.leaf_count):
            raise FormatError(
                f"{where}: height {self.height} is not the smallest height for {self.leaf_count} leaves "
                f"({height_for(self.leaf_count)})",
                code="height",
                evidence={"leaf_count": self.leaf_count, "height": self.height},
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "hash": self.hash.hex(),
            "sums": _sums_json(self.sums),
            "height": self.height,
            "leaf_count": self.leaf_count,
        }


@dataclass(frozen=True)
class Leaf:
    index: int
    hashed_id: bytes
    amounts: tuple[int, ...]


@dataclass(frozen=True)
class Proof:
    snapshot_id: str
    assets: tuple[Asset, ...]
    leaf: Leaf
    siblings: tuple[Node, ...]
    root: Root

    @classmethod
    def from_dict(cls, obj: object) -> Proof:
        d = check_fields(obj, {"format", "snapshot_id", "assets", "leaf", "siblings", "root"}, "proof")
        if d["format"] != PROOF_FORMAT:
            raise FormatError(
                f"proof: format {str(d['format'])[:40]!r} is not {PROOF_FORMAT!r}",
                code="version",
                evidence={"field": "format"},
            )
        snapshot_id = check_snapshot_id(d["snapshot_id"])
        assets = assets_from_json(d["assets"], "proof.assets")
        n = len(assets)
        leaf = check_fields(d["leaf"], {"index", "hashed_id", "amounts"}, "proof.leaf")
        def node(obj: object, where: str) -> Node:
            s = check_fields(obj, {"hash", "sums"}, where)
            return Node(hex_bytes(s["hash"], f"{where}.hash", 32), parse_sums(s["sums"], n, f"{where}.sums"))

        nodes = parse_siblings(d["siblings"], "proof.siblings", node)
        return cls(
            snapshot_id=snapshot_id,
            assets=assets,
            leaf=Leaf(
                index=check_int(leaf["index"], "proof.leaf.index", 0, MAX_LEAF_COUNT - 1),
                hashed_id=hex_bytes(leaf["hashed_id"], "proof.leaf.hashed_id", 32),
                amounts=parse_sums(leaf["amounts"], n, "proof.leaf.amounts"),
            ),
            siblings=nodes,
            root=Root.from_dict(d["root"], n, "proof.root"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": PROOF_FORMAT,
            "snapshot_id": self.snapshot_id,
            "assets": assets_to_json(self.assets),
            "leaf": {
                "index": self.leaf.index,
                "hashed_id": self.leaf.hashed_id.hex(),
                "amounts": _sums_json(self.leaf.amounts),
            },
            "siblings": [{"hash": s.hash.hex(), "sums": _sums_json(s.sums)} for s in self.siblings],
            "root": self.root.to_dict(),
        }

    def to_json(self) -> bytes:
        """The canonical bytes of this proof (what ``solvent prove`` prints)."""
        r = ProofRenderer(self.snapshot_id, self.assets, self.root)
        return r.render(
            self.leaf.index,
            self.leaf.hashed_id,
            self.leaf.amounts,
            [r.sibling(s.hash, s.sums) for s in self.siblings],
        )


# The layout of dumps_canonical (json.dumps, indent=2, ensure_ascii=False, final LF),
# written out by hand: the nesting depth of a proof's values never changes.
_I4, _I6 = " " * 4, " " * 6


def _text(value: str) -> str:
    """A JSON string exactly as dumps_canonical escapes it."""
    return json.dumps(value, ensure_ascii=False)


def _sums_text(sums: Sequence[int], indent: str) -> str:
    """A list of decimal strings at ``indent``; ``[]`` when empty, as json.dumps writes it."""
    if not sums:
        return "[]"
    inner = ",\n".join([f'{indent}  "{s}"' for s in sums])
    return f"[\n{inner}\n{indent}]"


class ProofRenderer:
    """The one writer of ``solvent-proof/1`` bytes, for the proofs of one tree head.

    ``render(index, hashed_id, amounts, siblings)`` takes the sibling entries as texts
    made by :meth:`sibling`, so that a caller answering many look-ups renders each
    upper-level node once and keeps its text.
    """

    def __init__(self, snapshot_id: str, assets: Sequence[Asset], root: Root) -> None:
        if assets:
            entries = ",\n".join(
                f'{_I4}{{\n{_I6}"symbol": {_text(a.symbol)},\n{_I6}"decimals": {a.decimals:d}\n{_I4}}}'
                for a in assets
            )
            assets_text = f"[\n{entries}\n  ]"
        else:
            assets_text = "[]"
        self._head = (
            f'{{\n  "format": "{PROOF_FORMAT}",\n  "snapshot_id": {_text(snapshot_id)},\n'
            f'  "assets": {assets_text},\n'
        )
        self._tail = (
            f'  "root": {{\n{_I4}"hash": "{root.hash.hex()}",\n{_I4}"sums": {_sums_text(root.sums, _I4)},\n'
            f'{_I4}"height": {root.height:d},\n{_I4}"leaf_count": {root.leaf_count:d}\n  }}\n}}\n'
        )

    @staticmethod
    def sibling(hash_: bytes, sums: Sequence[int]) -> str:
        """The text of one entry of ``siblings``."""
        return f'{_I4}{{\n{_I6}"hash": "{hash_.hex()}",\n{_I6}"sums": {_sums_text(sums, _I6)}\n{_I4}}}'

    def render(self, index: int, hashed_id: bytes, amounts: Sequence[int], siblings: Sequence[str]) -> bytes:
        """The proof of the leaf ``index`` (its id and amounts) with these sibling texts, bottom-up."""
        leaf = (
            f'  "leaf": {{\n{_I4}"index": {index:d},\n{_I4}"hashed_id": "{hashed_id.hex()}",\n'
            f'{_I4}"amounts": {_sums_text(amounts, _I4)}\n  }},\n'
        )
        path = '  "siblings": [\n' + ",\n".join(siblings) + "\n  ],\n" if siblings else '  "siblings": [],\n'
        return "".join((self._head, leaf, path, self._tail)).encode("utf-8")


def parse_proof(data: bytes, name: str = "proof") -> Proof:
    """Step (1): bytes of a proof file -> Proof, or FormatError."""
    return Proof.from_dict(loads_strict(data, name=name, max_bytes=MAX_PROOF_BYTES))
