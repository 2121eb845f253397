"""The v2 inclusion proof ``solvent-proof/2``: one entry per asset the account holds.

Parsing is step (1) of verification: exact field sets and types, exact hex, canonical
integers, an amount of at least 1 in every entry (zero holdings are not leaves), valid
asset symbols and decimals, entries non-empty with no symbol twice.  Their order is
checked against the manifest's asset order in step (4), where that order is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from solvent.protocol.amounts import parse_canonical_int
from solvent.protocol.assets import Asset
from solvent.protocol.errors import FormatError
from solvent.protocol.ids import check_snapshot_id
from solvent.protocol.proof import parse_siblings
from solvent.protocol.strictjson import check_fields, check_int, dumps_canonical, hex_bytes, loads_strict
from solvent.protocol.v2.hashing import PAD_ID, SumNode
from solvent.protocol.v2.manifest import MAX_ASSETS, MAX_LEAF_COUNT, AssetRoot

__all__ = ["MAX_PROOF_BYTES", "PROOF_FORMAT", "Entry", "Proof", "parse_proof"]

PROOF_FORMAT = "solvent-proof/2"
MAX_PROOF_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One held asset: the leaf's index and amount, its path and the tree's head."""

    asset: Asset
    index: int
    amount: int
    siblings: tuple[SumNode, ...]
    root: AssetRoot

    @property
    def symbol(self) -> str:
        return self.asset.symbol

    @classmethod
    def from_dict(cls, obj: object, where: str) -> Entry:
        d = check_fields(obj, {"symbol", "decimals", "index", "amount", "siblings", "root"}, where)
        try:
            asset = Asset(d["symbol"], d["decimals"])
        except FormatError as e:
            raise FormatError(f"{where}: {e}", code="assets", evidence={"field": where}) from e
        amount = parse_canonical_int(d["amount"], f"{where}.amount")
        if amount < 1:
            raise FormatError(
                f"{where}.amount: 0 is not a holding (zero amounts are not leaves)",
                code="range",
                evidence={"field": f"{where}.amount"},
            )
        def node(obj: object, at: str) -> SumNode:
            s = check_fields(obj, {"hash", "sum"}, at)
            return SumNode(hex_bytes(s["hash"], f"{at}.hash", 32), parse_canonical_int(s["sum"], f"{at}.sum"))

        nodes = parse_siblings(d["siblings"], f"{where}.siblings", node)
        return cls(
            asset=asset,
            index=check_int(d["index"], f"{where}.index", 0, MAX_LEAF_COUNT - 1),
            amount=amount,
            siblings=nodes,
            root=AssetRoot.from_dict(d["root"], asset.symbol, f"{where}.root"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.asset.symbol,
            "decimals": self.asset.decimals,
            "index": self.index,
            "amount": str(self.amount),
            "siblings": [{"hash": s.hash.hex(), "sum": str(s.sum)} for s in self.siblings],
            "root": self.root.to_dict(),
        }


@dataclass(frozen=True)
class Proof:
    snapshot_id: str
    hashed_id: bytes
    entries: tuple[Entry, ...]

    @classmethod
    def from_dict(cls, obj: object) -> Proof:
        d = check_fields(obj, {"format", "snapshot_id", "hashed_id", "entries"}, "proof")
        if d["format"] != PROOF_FORMAT:
            raise FormatError(
                f"proof: format {str(d['format'])[:40]!r} is not {PROOF_FORMAT!r}",
                code="version",
                evidence={"field": "format"},
            )
        snapshot_id = check_snapshot_id(d["snapshot_id"])
        hashed_id = hex_bytes(d["hashed_id"], "proof.hashed_id", 32)
        if hashed_id == PAD_ID:
            raise FormatError("proof.hashed_id: the padding id (32 zero bytes) is nobody's", code="padding")
        raw = d["entries"]
        if not isinstance(raw, list):
            raise FormatError("proof.entries: expected a list", code="type", evidence={"field": "proof.entries"})
        if not 1 <= len(raw) <= MAX_ASSETS:
            raise FormatError(
                f"proof.entries: {len(raw)} entries, a proof has 1..{MAX_ASSETS}",
                code="length",
                evidence={"field": "proof.entries"},
            )
        entries = tuple(Entry.from_dict(e, f"proof.entries[{i}]") for i, e in enumerate(raw))
        seen: set[str] = set()
        for i, e in enumerate(entries):
            if e.symbol in seen:
                raise FormatError(
                    f"proof.entries[{i}]: {e.symbol} has an entry already",
                    code="order",
                    evidence={"field": f"proof.entries[{i}]", "symbol": e.symbol},
                )
            seen.add(e.symbol)
        return cls(snapshot_id, hashed_id, entries)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": PROOF_FORMAT,
            "snapshot_id": self.snapshot_id,
            "hashed_id": self.hashed_id.hex(),
            "entries": [e.to_dict() for e in self.entries],
        }

    def to_json(self) -> bytes:
        return dumps_canonical(self.to_dict())


def parse_proof(data: bytes, name: str = "proof") -> Proof:
    """Step (1): bytes of a proof file -> Proof, or FormatError."""
    return Proof.from_dict(loads_strict(data, name=name, max_bytes=MAX_PROOF_BYTES))
