"""The v2 snapshot manifest ``solvent-snapshot/2``: one signed tree head per asset.

Exactly the fields ``format, exchange, snapshot_id, taken_at, accounts, assets, files``;
each asset carries its symbol, decimals and root ``{hash, sum, height, leaf_count}``.
Signed as v1: Ed25519 over the exact bytes of ``snapshot.json``.

Checks beyond the field types, each one a tree no honest builder can produce
(the strictest reading of the v2 protocol; docs/spec.md says so):

* each root's ``height`` is the smallest for its ``leaf_count`` (at most 2^40 leaves);
* an empty tree's root is exactly ``(pad_0(S), 0)``, and a non-empty tree's sum is at
  least its leaf count (every leaf holds at least one base unit);
* ``accounts`` lies between the largest leaf count and the sum of all leaf counts;
* ``files`` binds ``liabilities/<S>.csv`` for every asset.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from solvent.protocol.amounts import parse_canonical_int
from solvent.protocol.assets import Asset, check_asset_list
from solvent.protocol.errors import FormatError
from solvent.protocol.ids import check_snapshot_id
from solvent.protocol.manifest import check_exchange_name, check_timestamp, parse_files
from solvent.protocol.strictjson import check_fields, check_int, dumps_canonical, hex_bytes, loads_strict
from solvent.protocol.v2.hashing import MAX_HEIGHT, SumNode, height_for, pad_node

__all__ = [
    "MANIFEST_FORMAT",
    "MAX_ASSETS",
    "MAX_LEAF_COUNT",
    "AssetRoot",
    "AssetTree",
    "Manifest",
    "liabilities_file",
    "parse_manifest",
]

MANIFEST_FORMAT = "solvent-snapshot/2"
MAX_ASSETS = 1024
MAX_LEAF_COUNT = 1 << MAX_HEIGHT


def liabilities_file(symbol: str) -> str:
    """The published CSV of one asset's leaves, as named in ``files``."""
    return f"liabilities/{symbol}.csv"


@dataclass(frozen=True)
class AssetRoot:
    """One asset tree's head: root hash and sum (the asset's total liabilities), height, leaf count."""

    hash: bytes
    sum: int
    height: int
    leaf_count: int

    @property
    def node(self) -> SumNode:
        return SumNode(self.hash, self.sum)

    @classmethod
    def from_dict(cls, obj: object, symbol: str, where: str) -> AssetRoot:
        d = check_fields(obj, {"hash", "sum", "height", "leaf_count"}, where)
        root = cls(
            hash=hex_bytes(d["hash"], f"{where}.hash", 32),
            sum=parse_canonical_int(d["sum"], f"{where}.sum"),
            height=check_int(d["height"], f"{where}.height", 0, MAX_HEIGHT),
            leaf_count=check_int(d["leaf_count"], f"{where}.leaf_count", 0, MAX_LEAF_COUNT),
        )
        root.check_shape(symbol, where)
        return root

    def check_shape(self, symbol: str, where: str) -> None:
        evidence = {"asset": symbol, "leaf_count": self.leaf_count, "height": self.height}
        if self.leaf_count > 1 << self.height:
            raise FormatError(
                f"{where}: leaf_count {self.leaf_count} does not fit a tree of height {self.height}",
                code="leaf-count",
                evidence=evidence,
            )
        if self.height != height_for(self.leaf_count):
            raise FormatError(
                f"{where}: height {self.height} is not the smallest height for {self.leaf_count} leaves "
                f"({height_for(self.leaf_count)})",
                code="height",
                evidence=evidence,
            )
        if self.leaf_count == 0:
            empty = pad_node(0, symbol)
            if self.sum != 0 or not hmac.compare_digest(self.hash, empty.hash):
                raise FormatError(
                    f"{where}: an empty tree's root is the padding leaf of {symbol} with sum 0",
                    code="padding",
                    evidence={**evidence, "expected_hash": empty.hash.hex(), "hash": self.hash.hex()},
                )
        elif self.sum < self.leaf_count:
            raise FormatError(
                f"{where}: sum {self.sum} is below leaf_count {self.leaf_count} (every leaf holds at least 1)",
                code="range",
                evidence={**evidence, "sum": self.sum},
            )

    def to_dict(self) -> dict[str, Any]:
        return {"hash": self.hash.hex(), "sum": str(self.sum), "height": self.height, "leaf_count": self.leaf_count}


@dataclass(frozen=True)
class AssetTree:
    """An asset of the snapshot and the head of its tree."""

    asset: Asset
    root: AssetRoot

    @property
    def symbol(self) -> str:
        return self.asset.symbol


@dataclass(frozen=True)
class Manifest:
    exchange: str
    snapshot_id: str
    taken_at: str
    accounts: int
    trees: tuple[AssetTree, ...]
    files: Mapping[str, str] = field(default_factory=dict)

    @property
    def assets(self) -> tuple[Asset, ...]:
        return tuple(t.asset for t in self.trees)

    def tree(self, symbol: str) -> AssetTree | None:
        return next((t for t in self.trees if t.symbol == symbol), None)

    @classmethod
    def from_dict(cls, obj: object) -> Manifest:
        d = check_fields(
            obj, {"format", "exchange", "snapshot_id", "taken_at", "accounts", "assets", "files"}, "snapshot"
        )
        if d["format"] != MANIFEST_FORMAT:
            raise FormatError(
                f"snapshot: format {str(d['format'])[:40]!r} is not {MANIFEST_FORMAT!r}",
                code="version",
                evidence={"field": "format"},
            )
        trees = _trees(d["assets"])
        accounts = check_int(d["accounts"], "snapshot.accounts", 0, MAX_ASSETS * MAX_LEAF_COUNT)
        counts = [t.root.leaf_count for t in trees]
        if not max(counts) <= accounts <= sum(counts):
            raise FormatError(
                f"snapshot.accounts: {accounts} accounts cannot hold these trees "
                f"(at least {max(counts)}, the largest tree, and at most {sum(counts)}, all leaves)",
                code="range",
                evidence={"field": "accounts", "accounts": accounts, "min": max(counts), "max": sum(counts)},
            )
        checked = parse_files(d["files"])
        missing = [liabilities_file(t.symbol) for t in trees if liabilities_file(t.symbol) not in checked]
        if missing:
            raise FormatError(
                f"snapshot.files: does not bind {', '.join(missing[:5])}" + (" ..." if len(missing) > 5 else ""),
                code="fields",
                evidence={"field": "files", "missing": ",".join(missing[:20])},
            )
        return cls(
            exchange=check_exchange_name(d["exchange"]),
            snapshot_id=check_snapshot_id(d["snapshot_id"]),
            taken_at=check_timestamp(d["taken_at"]),
            accounts=accounts,
            trees=trees,
            files=checked,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "exchange": self.exchange,
            "snapshot_id": self.snapshot_id,
            "taken_at": self.taken_at,
            "accounts": self.accounts,
            "assets": [
                {"symbol": t.asset.symbol, "decimals": t.asset.decimals, "root": t.root.to_dict()} for t in self.trees
            ],
            "files": dict(sorted(self.files.items())),
        }

    def to_json(self) -> bytes:
        """The exact bytes written to ``snapshot.json`` and signed."""
        return dumps_canonical(self.to_dict())


def _trees(value: object) -> tuple[AssetTree, ...]:
    if not isinstance(value, list):
        raise FormatError("snapshot.assets: expected a list", code="assets", evidence={"field": "assets"})
    if not 1 <= len(value) <= MAX_ASSETS:
        raise FormatError(f"snapshot.assets: a snapshot has 1..{MAX_ASSETS} assets, got {len(value)}", code="assets")
    trees = []
    for i, item in enumerate(value):
        where = f"snapshot.assets[{i}]"
        d = check_fields(item, {"symbol", "decimals", "root"}, where)
        try:
            asset = Asset(d["symbol"], d["decimals"])
        except FormatError as e:
            raise FormatError(f"{where}: {e}", code="assets", evidence={"field": where}) from e
        trees.append(AssetTree(asset, AssetRoot.from_dict(d["root"], asset.symbol, f"{where}.root")))
    check_asset_list([t.asset for t in trees], MAX_ASSETS)  # no symbol twice
    return tuple(trees)




def parse_manifest(data: bytes, name: str = "snapshot.json") -> Manifest:
    return Manifest.from_dict(loads_strict(data, name=name))
