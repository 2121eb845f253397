"""Which layout a ledger uses, and how each column's type becomes the text the amount codec parses.

Two layouts (docs/ingest.md):

* **wide** ``uid,<SYMBOL>,<SYMBOL>,...``: one row per account, one column per
  declared asset (every declared asset needs its column, in any order; a column that
  is not a declared asset is an error, so nothing is silently dropped);
* **long** ``uid,asset,amount``: one row per account and asset (assets an account
  does not list are 0; the same uid and asset twice is an error).

``auto`` picks long when the header has ``asset``/``amount`` and no declared symbol,
wide when it has declared symbols and no ``asset``/``amount``, and otherwise says
what it saw and why it cannot tell.

Parquet columns keep their types; the rule that turns each into exact decimal text:

* String: the text itself (the same rules as CSV);
* integers: *whole asset units* (``5`` in a BTC column is 5 BTC), written as digits,
  so a negative integer is rejected as negative;
* Decimal(p, s): the exact value; trailing fractional zeros beyond the asset's
  decimals are dropped, any other extra digit is "too many fractional digits"
  (or is rounded up with ``round_up``);
* floating point, booleans, dates and anything else: rejected for the whole column,
  because a float cannot hold money exactly.

A uid column may be String or integer (integers become their decimal digits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from solvent.protocol.assets import Asset
from solvent.protocol.errors import InputError

__all__ = ["AMOUNT", "ASSET", "UID", "Layout", "Plan", "amount_text", "plan_layout", "uid_text"]

UID = "uid"
ASSET = "asset"
AMOUNT = "amount"
Layout = Literal["auto", "long", "wide"]


@dataclass(frozen=True)
class Plan:
    """The chosen layout and, for wide, the column of each declared asset (in asset order)."""

    layout: Literal["long", "wide"]
    columns: tuple[str, ...]


def plan_layout(source: str, columns: Sequence[str], assets: Sequence[Asset], layout: Layout) -> Plan:
    """Decide (or check) the layout from the header; every problem is an InputError."""
    symbols = [a.symbol for a in assets]
    header = ",".join(columns)
    if UID not in columns:
        hint = _uid_hint(columns)
        raise InputError(
            f"{source}: the header has no 'uid' column{hint}; header: {header[:200]!r}",
            evidence={"file": source, "line": 1, "field": UID},
        )
    others = [c for c in columns if c != UID]
    if layout == "auto":
        has_long = bool({ASSET, AMOUNT} & set(others))
        has_wide = bool(set(symbols) & set(others))
        if has_long and not has_wide:
            layout = "long"
        elif has_wide and not has_long:
            layout = "wide"
        else:
            why = "it has both asset/amount and asset-symbol columns" if has_long else "it has neither"
            raise InputError(
                f"{source}: cannot tell the layout from the header ({why}); expected 'uid,asset,amount' (long) "
                f"or 'uid,{','.join(symbols)}' (wide); header: {header[:200]!r}",
                evidence={"file": source, "line": 1},
            )
    if layout == "long":
        extra = [c for c in others if c not in (ASSET, AMOUNT)]
        missing = [c for c in (ASSET, AMOUNT) if c not in others]
        if extra or missing:
            parts = [f"missing column {c!r}" for c in missing] + [f"unexpected column {c!r}" for c in extra]
            raise InputError(
                f"{source}: a long ledger has exactly the columns uid,asset,amount: {'; '.join(parts)}",
                evidence={"file": source, "line": 1, "field": (missing + extra)[0]},
            )
        return Plan("long", (UID, ASSET, AMOUNT))
    if layout != "wide":
        raise InputError(f"layout must be auto, long or wide, not {layout!r}", evidence={"field": "layout"})
    for c in others:
        if c not in symbols:
            raise InputError(
                f"{source}: column {c!r} is not a declared asset{_symbol_hint(c, symbols)} "
                f"(declared: {','.join(symbols)}); every column of a wide ledger must be uid or a declared asset",
                evidence={"file": source, "line": 1, "field": c},
            )
    for s in symbols:
        if s not in others:
            raise InputError(
                f"{source}: declared asset {s} has no column; a wide ledger needs a column for every declared asset",
                evidence={"file": source, "line": 1, "field": s},
            )
    return Plan("wide", tuple(symbols))


def _uid_hint(columns: Sequence[str]) -> str:
    close = [c for c in columns if c.strip().lower() == UID]
    if close:
        return f" (found {close[0]!r}: names are exact and lower-case)"
    if len(columns) == 1 and (";" in columns[0] or "\t" in columns[0]):
        return " (the file looks separated by ';' or tabs; a ledger CSV is comma-separated)"
    return ""


def _symbol_hint(column: str, symbols: Sequence[str]) -> str:
    for s in symbols:
        if column.strip().upper() == s:
            return f" (did you mean {s}? symbols are exact)"
    return ""


_INTEGERS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.Int128, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64, pl.UInt128)


def _is_integer(dtype: pl.DataType) -> bool:
    return any(dtype == t for t in _INTEGERS)


def uid_text(source: str, name: str, dtype: pl.DataType) -> pl.Expr:
    """The uid column as String (integer ids become their digits)."""
    col = pl.col(name)
    if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum):
        return col.cast(pl.String)
    if _is_integer(dtype):
        return col.cast(pl.String)
    raise InputError(
        f"{source}: column {name!r} has type {dtype}; a uid column must be text or an integer",
        evidence={"file": source, "field": name},
    )


def amount_text(source: str, name: str, dtype: pl.DataType, decimals: int | pl.Expr) -> pl.Expr:
    """The amount column as decimal text in asset units (see the module docstring for the rules).

    ``decimals`` is the asset's decimals, or a per-row expression of them (long layout).
    """
    col = pl.col(name)
    if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum):
        return col.cast(pl.String)
    if _is_integer(dtype):
        return col.cast(pl.String)
    if isinstance(dtype, pl.Decimal):
        return _decimal_text(col, dtype.scale or 0, decimals)
    kind = "floating-point" if dtype in (pl.Float32, pl.Float64) else str(dtype)
    raise InputError(
        f"{source}: column {name!r} is {kind} ({dtype}); amounts must be exact: export them as decimal text, "
        "a Decimal or an integer column (money is never a float)",
        evidence={"file": source, "field": name},
    )


def _decimal_text(col: pl.Expr, scale: int, decimals: int | pl.Expr) -> pl.Expr:
    """A Decimal column as text, without the trailing zeros that only the column's scale adds.

    Polars prints exactly ``scale`` fractional digits.  Where the digits beyond the
    asset's decimals are all zero they are dropped (the value is unchanged); any
    other digit stays, and the codec then reports too many fractional digits (or
    rounds up when asked to).
    """
    text = col.cast(pl.String)
    if isinstance(decimals, int) and scale <= decimals:
        return text
    cut = (pl.lit(scale, dtype=pl.Int64) - decimals).clip(0, None)
    length = text.str.len_bytes().cast(pl.Int64)
    tail_is_zero = text.str.slice(length - cut).str.contains("^0*$")
    trimmed = text.str.slice(0, length - cut).str.strip_suffix(".")
    return pl.when((cut > 0) & tail_is_zero).then(trimmed).otherwise(text)
