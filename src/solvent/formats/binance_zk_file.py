"""Binance's ``user_config.json`` (2024 collateral design): strict parsing into frozen dataclasses.

The file is what Binance's verifier reads with Go's ``encoding/json`` into its
``UserConfig`` struct (``src/verifier/config/config.go`` of
binance/zkmerkle-proof-of-solvency).  Go is lenient (field names in any case, unknown
fields ignored, any ``big.Int``); this parser is not: every field must be present
with its exact name and type, and every value in the range in which it can be
hashed without ambiguity (docs/formats/binance-zk.md, step 1, and threat L18).
Totals are field elements of up to 77 digits, beyond the 20-digit cap of
:mod:`solvent.protocol.strictjson`, so this module has its own strict JSON loader.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from solvent.formats.poseidon_bn254 import MODULUS
from solvent.protocol.errors import FormatError
from solvent.protocol.strictjson import check_fields, check_int, hex_bytes, loads_strict

__all__ = [
    "ASSET_FIELDS",
    "ASSET_SLOTS",
    "MAX_FILE_BYTES",
    "TREE_DEPTH",
    "U64_MAX",
    "AccountAsset",
    "UserProof",
    "parse_user_config",
]

TREE_DEPTH = 28
ASSET_SLOTS = 350
ASSET_FIELDS = ("Equity", "Debt", "Loan", "Margin", "PortfolioMargin")
MAX_FILE_BYTES = 1 << 20
U64_MAX = (1 << 64) - 1

_TOP_FIELDS = {
    "AccountIndex",
    "AccountIdHash",
    "TotalEquity",
    "TotalDebt",
    "TotalCollateral",
    "Assets",
    "Root",
    "Proof",
}
_ASSET_KEYS = {"Index", *ASSET_FIELDS}


@dataclass(frozen=True)
class AccountAsset:
    """One asset slot of the account: amounts in the asset's base units (u64)."""

    index: int
    equity: int
    debt: int
    loan: int
    margin: int
    portfolio_margin: int

    @classmethod
    def from_dict(cls, obj: object, where: str) -> AccountAsset:
        d = check_fields(obj, _ASSET_KEYS, where)
        # An Index beyond the 350 slots would never reach the commitment (Binance's
        # packing walks the slots in order): reject it rather than show an amount
        # the root does not cover.
        index = check_int(d["Index"], f"{where}.Index", 0, ASSET_SLOTS - 1)
        amounts = [check_int(d[f], f"{where}.{f}", 0, U64_MAX) for f in ASSET_FIELDS]
        return cls(index, *amounts)

    def to_dict(self) -> dict[str, int]:
        return {"Index": self.index, **dict(zip(ASSET_FIELDS, self.amounts(), strict=True))}

    def amounts(self) -> tuple[int, int, int, int, int]:
        return (self.equity, self.debt, self.loan, self.margin, self.portfolio_margin)


@dataclass(frozen=True)
class UserProof:
    """A parsed ``user_config.json``: every value range-checked, nothing computed yet."""

    account_index: int
    account_id_hash: bytes
    total_equity: int
    total_debt: int
    total_collateral: int
    assets: tuple[AccountAsset, ...]
    root: bytes
    proof: tuple[bytes, ...]

    @classmethod
    def from_dict(cls, obj: object, name: str) -> UserProof:
        if isinstance(obj, dict) and "TotalCollateral" not in obj and {"TotalEquity", "Assets"} <= obj.keys():
            raise FormatError(
                f"{name}: no TotalCollateral: this looks like Binance's pre-2024 proof format, "
                "which this verifier does not implement",
                code="version",
                evidence={"file": name},
            )
        d = check_fields(obj, _TOP_FIELDS, name)
        index = check_int(d["AccountIndex"], f"{name}: AccountIndex", 0, (1 << TREE_DEPTH) - 1)
        id_hash = _field_bytes(hex_bytes(d["AccountIdHash"], f"{name}: AccountIdHash", 32), f"{name}: AccountIdHash")
        equity, debt, collateral = (
            check_int(d[k], f"{name}: {k}", 0, MODULUS - 1) for k in ("TotalEquity", "TotalDebt", "TotalCollateral")
        )
        root = _field_bytes(hex_bytes(d["Root"], f"{name}: Root", 32), f"{name}: Root")
        assets = _parse_assets(d["Assets"], name)
        raw_proof = d["Proof"]
        if not isinstance(raw_proof, list) or len(raw_proof) != TREE_DEPTH:
            shown = len(raw_proof) if isinstance(raw_proof, list) else type(raw_proof).__name__
            raise FormatError(
                f"{name}: Proof must be a list of exactly {TREE_DEPTH} siblings, got {shown}",
                code="length",
                evidence={"field": "Proof", "expected": TREE_DEPTH, "got": shown},
            )
        siblings = tuple(_base64_field(v, f"{name}: Proof[{i}]") for i, v in enumerate(raw_proof))
        return cls(index, id_hash, equity, debt, collateral, assets, root, siblings)

    def to_dict(self) -> dict[str, Any]:
        """The file's fields in Binance's order (numbers as JSON integers)."""
        return {
            "AccountIndex": self.account_index,
            "AccountIdHash": self.account_id_hash.hex(),
            "TotalEquity": self.total_equity,
            "TotalDebt": self.total_debt,
            "TotalCollateral": self.total_collateral,
            "Assets": [a.to_dict() for a in self.assets],
            "Root": self.root.hex(),
            "Proof": [base64.b64encode(s).decode("ascii") for s in self.proof],
        }


def _field_bytes(raw: bytes, where: str) -> bytes:
    """32 big-endian bytes that must encode an element of the BN254 scalar field."""
    if int.from_bytes(raw, "big") >= MODULUS:
        # Binance's own tool panics on such input; it cannot be a hash output.
        raise FormatError(
            f"{where}: is not below the BN254 field order", code="field-element", evidence={"field": where}
        )
    return raw


def _base64_field(value: object, where: str) -> bytes:
    """Canonical standard base64 (with padding) of 32 bytes below the field order."""
    if not isinstance(value, str) or len(value) != 44:
        shown = value[:60] if isinstance(value, str) else type(value).__name__
        raise FormatError(
            f"{where}: expected 44 base64 characters, got {shown!r}", code="base64", evidence={"field": where}
        )
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as e:
        raise FormatError(f"{where}: not valid base64: {value!r}", code="base64", evidence={"field": where}) from e
    if len(raw) != 32 or base64.b64encode(raw).decode("ascii") != value:
        # Non-zero unused bits would let two spellings name the same node.
        raise FormatError(f"{where}: not the canonical base64 of 32 bytes", code="base64", evidence={"field": where})
    return _field_bytes(raw, where)


def _parse_assets(value: object, name: str) -> tuple[AccountAsset, ...]:
    if not isinstance(value, list):
        raise FormatError(f"{name}: Assets must be a list", evidence={"field": "Assets"})
    if len(value) > ASSET_SLOTS:
        raise FormatError(
            f"{name}: {len(value)} assets, at most {ASSET_SLOTS}", code="range", evidence={"field": "Assets"}
        )
    assets = tuple(AccountAsset.from_dict(a, f"{name}: Assets[{i}]") for i, a in enumerate(value))
    for i in range(1, len(assets)):
        # Binance's packing assumes ascending slots; out of order or twice, an amount
        # would be committed under another asset's slot.
        if assets[i].index <= assets[i - 1].index:
            raise FormatError(
                f"{name}: Assets[{i}].Index {assets[i].index} is not above the previous {assets[i - 1].index}",
                code="order",
                evidence={"field": f"Assets[{i}].Index"},
            )
    return assets


def _load_json(data: bytes, name: str) -> Any:
    """Strict JSON (L18). Totals are field elements of up to 77 digits, so the integer cap
    is wider than the project default; negatives are refused when each field is checked."""
    return loads_strict(data, name=name, max_bytes=MAX_FILE_BYTES, max_int_digits=78)


def parse_user_config(data: bytes, *, name: str = "user_config.json") -> UserProof:
    """(1) Parse and range-check every field; FormatError naming the field otherwise."""
    return UserProof.from_dict(_load_json(data, name), name)
