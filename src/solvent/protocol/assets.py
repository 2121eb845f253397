"""The ordered asset list of a snapshot (spec §2 (Assets and amounts)).

The order fixes every amount and sum vector; a proof, the manifest and the CSV must
carry the same list, decimals included (threat L15).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from solvent.protocol.errors import FormatError, InputError

__all__ = [
    "MAX_ASSETS",
    "MAX_DECIMALS",
    "Asset",
    "assets_from_json",
    "assets_to_json",
    "check_asset_list",
    "parse_asset_list",
]

MAX_ASSETS = 255
MAX_DECIMALS = 18
_SYMBOL = re.compile(r"[A-Z0-9._-]{1,16}\Z")


@dataclass(frozen=True)
class Asset:
    """One asset: its ticker symbol and the number of decimals of its base unit."""

    symbol: str
    decimals: int

    def __post_init__(self) -> None:
        if not isinstance(self.symbol, str) or not _SYMBOL.match(self.symbol):
            raise FormatError(
                f"asset symbol {self.symbol!r} must match [A-Z0-9._-]{{1,16}}",
                code="assets",
                evidence={"field": "symbol"},
            )
        if type(self.decimals) is not int or not 0 <= self.decimals <= MAX_DECIMALS:
            raise FormatError(
                f"asset {self.symbol}: decimals {self.decimals!r} must be an integer 0..18",
                code="assets",
                evidence={"field": "decimals"},
            )


def check_asset_list(assets: Sequence[Asset], limit: int = MAX_ASSETS) -> tuple[Asset, ...]:
    """1..``limit`` assets (255 in v1, 1024 in v2), each an Asset, no symbol twice (FormatError otherwise)."""
    if not all(isinstance(a, Asset) for a in assets):
        raise FormatError("assets must be Asset values", code="assets")
    if not 1 <= len(assets) <= limit:
        raise FormatError(f"a snapshot has 1..{limit} assets, got {len(assets)}", code="assets")
    seen: set[str] = set()
    for a in assets:
        if a.symbol in seen:
            raise FormatError(f"asset {a.symbol} is listed twice", code="assets", evidence={"symbol": a.symbol})
        seen.add(a.symbol)
    return tuple(assets)


def assets_from_json(value: object, where: str = "assets") -> tuple[Asset, ...]:
    """Parse ``[{"symbol": "BTC", "decimals": 8}, ...]`` strictly."""
    if not isinstance(value, list):
        raise FormatError(f"{where}: expected a list", code="assets")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"symbol", "decimals"}:
            got = sorted(item) if isinstance(item, dict) else type(item).__name__
            raise FormatError(
                f"{where}[{i}]: expected exactly the fields decimals, symbol; got {got}",
                code="assets",
                evidence={"field": f"{where}[{i}]"},
            )
        try:
            out.append(Asset(item["symbol"], item["decimals"]))
        except FormatError as e:
            raise FormatError(f"{where}[{i}]: {e}", code="assets", evidence={"field": f"{where}[{i}]"}) from e
    return check_asset_list(out)


def assets_to_json(assets: Sequence[Asset]) -> list[dict[str, object]]:
    return [{"symbol": a.symbol, "decimals": a.decimals} for a in assets]


def parse_asset_list(text: str, limit: int = MAX_ASSETS) -> tuple[Asset, ...]:
    """Parse the operator's ``BTC:8,ETH:18,USD:2`` option into assets (InputError if bad)."""
    out = []
    for part in text.split(","):
        symbol, sep, decimals = part.strip().partition(":")
        if not sep or not decimals.isdigit() or not decimals.isascii():
            raise InputError(
                f"--assets: {part.strip()!r} is not SYMBOL:DECIMALS (e.g. BTC:8)",
                evidence={"field": "assets"},
            )
        try:
            out.append(Asset(symbol, int(decimals)))
        except FormatError as e:
            raise InputError(f"--assets: {e}", evidence={"field": "assets"}) from e
    try:
        return check_asset_list(out, limit)
    except FormatError as e:
        raise InputError(f"--assets: {e}", evidence={"field": "assets"}) from e
