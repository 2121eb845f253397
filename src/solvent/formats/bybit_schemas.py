"""Bybit's asset lists, one per schema, in the order their balances are hashed.

Bybit's verifier keeps the asset list in a Java enum and concatenates balances in
the enum's declaration order (only the assets it marks online).  The list changed
about ten times (new assets, renames EOS->A, FTM->S, MATIC->POL, RNDR->RENDER, BIT
->MNT, BUSD and DAI dropped).  Every schema below has a distinct set of names, so
the set of keys in a proof names its schema exactly; the order is then fixed by
the schema, never by the file.  Learned from bybit-exchange/merkle-proof
``src/main/java/com/bybit/merkle/generic/Asset*.java``.
"""

from __future__ import annotations

__all__ = ["SCHEMAS", "schema_for_keys"]

_BASE20 = "AGLA APT ATOM AVAX BIT BTC BUSD DAI DOGE DOT DYDX EOS ETH FTM LTC MATIC SOL USDC USDT XRP"
_EXTRA32 = "SHIB OP SAND LDO LINK COMP UNI MANA CRV BLUR SUSHI PEPE"
_EXTRA40 = "WLD BEAM AGI FET IMX RNDR GALA APEX SHRAP"
_EXTRA50 = "GRAM XAUT HYPE STABLE ENA ARB ASTER ONDO AAVE USD1"


def _names(text: str) -> list[str]:
    return text.split(" ")


def _rename(assets: list[str], old: str, new: str) -> list[str]:
    return [new if a == old else a for a in assets]


_MNT20 = _rename(_names(_BASE20), "BIT", "MNT")
_S32 = [*_MNT20, *_names(_EXTRA32)]
_S40 = [*(a for a in _S32 if a != "BUSD"), *_names(_EXTRA40)]  # BUSD went offline
_S40V2 = [*_rename([a for a in _S40 if a != "DAI"], "RNDR", "RENDER"), "USDE"]
_S40V3 = _rename(_S40V2, "MATIC", "POL")
_S40V4 = _rename(_S40V3, "FTM", "S")
_S40V5 = _rename(_S40V4, "EOS", "A")
_S50 = [*_S40V5, *_names(_EXTRA50)]

#: schema name -> asset names in hashing order (Bybit's class names, lower-cased).
SCHEMAS: dict[str, tuple[str, ...]] = {
    "20": tuple(_names(_BASE20)),
    "mnt20": tuple(_MNT20),
    "32": tuple(_S32),
    "40": tuple(_S40),
    "40v2": tuple(_S40V2),
    "40v3": tuple(_S40V3),
    "40v4": tuple(_S40V4),
    "40v5": tuple(_S40V5),
    "50": tuple(_S50),
}


def schema_for_keys(keys: set[str]) -> str | None:
    """The one schema whose asset set is exactly ``keys``, or None."""
    matches = [name for name, assets in SCHEMAS.items() if set(assets) == keys]
    return matches[0] if len(matches) == 1 else None
