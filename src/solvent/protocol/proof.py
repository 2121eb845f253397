"""The inclusion proof format ``solvent-proof/1`` (spec §6 (Inclusion proofs)) and the tree head it ends in.

Parsing is step (1) of verification: format string, exact field sets and types,
exact hex lengths, canonical integers in [0, 2^128), vectors of exactly
``len(assets)`` entries.  Unknown fields are rejected by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from solvent.protocol.amounts import parse_canonical_int
from solvent.protocol.assets import Asset, assets_from_json, assets_to_json
from solvent.protocol.errors import FormatError
from solvent.protocol.hashing import MAX_HEIGHT, Node, height_for
from solvent.protocol.ids import check_snapshot_id
from solvent.protocol.strictjson import check_fields, check_int, dumps_canonical, hex_bytes, loads_strict

__all__ = ["PROOF_FORMAT", "Leaf", "Proof", "Root", "parse_proof", "parse_sums"]

PROOF_FORMAT = "solvent-proof/1"
MAX_PROOF_BYTES = 4 * 1024 * 1024
MAX_LEAF_COUNT = 1 << MAX_HEIGHT


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
        siblings = d["siblings"]
        if not isinstance(siblings, list):
            raise FormatError("proof.siblings: expected a list", code="type")
        if len(siblings) > MAX_HEIGHT:
            raise FormatError(f"proof.siblings: {len(siblings)} nodes, at most {MAX_HEIGHT}", code="length")
        nodes = []
        for k, sib in enumerate(siblings):
            s = check_fields(sib, {"hash", "sums"}, f"proof.siblings[{k}]")
            nodes.append(
                Node(
                    hex_bytes(s["hash"], f"proof.siblings[{k}].hash", 32),
                    parse_sums(s["sums"], n, f"proof.siblings[{k}].sums"),
                )
            )
        return cls(
            snapshot_id=snapshot_id,
            assets=assets,
            leaf=Leaf(
                index=check_int(leaf["index"], "proof.leaf.index", 0, MAX_LEAF_COUNT - 1),
                hashed_id=hex_bytes(leaf["hashed_id"], "proof.leaf.hashed_id", 32),
                amounts=parse_sums(leaf["amounts"], n, "proof.leaf.amounts"),
            ),
            siblings=tuple(nodes),
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
        return dumps_canonical(self.to_dict())


def parse_proof(data: bytes, name: str = "proof") -> Proof:
    """Step (1): bytes of a proof file -> Proof, or FormatError."""
    return Proof.from_dict(loads_strict(data, name=name, max_bytes=MAX_PROOF_BYTES))
