"""Vectorised codec between decimal text and 128-bit base-unit limbs, for one asset.

The per-value reference is :func:`solvent.protocol.amounts.parse_units` and
:func:`solvent.protocol.amounts.format_units`; this module does the same on whole
columns with Polars and NumPy, and the property tests hold the two to byte-for-byte
agreement.  Two parsing dialects exist:

* ``ledger`` (the operator's export): ``digits[.digits]`` with at most ``decimals``
  fractional digits (or more, rounded *up*, when the operator asks for it);
* ``canonical`` (the published ``liabilities.csv``, spec §7 (The full data: liabilities.csv)): exactly ``decimals``
  fractional digits and an integer part without leading zeros; anything else is a
  format error, so that every amount has exactly one spelling.

No float is ever involved: the text is checked with an anchored regular expression,
the decimal point is removed, and the remaining digits are cast to ``UInt128`` (a
strict integer parse that yields null at or above 2^128).  Scaling to base units
multiplies by ``10^k`` only after checking ``x <= (2^128 - 1) // 10^k``, because
Polars' 128-bit arithmetic wraps silently on overflow.  The round-up increment is
done on NumPy limbs with an explicit carry (:func:`solvent.columnar.u128.increment`).

Values are never rejected one at a time here: every row gets a :class:`Status`, and
the caller (ingest or the auditor's reader) describes the first few bad rows with
:func:`describe`, which is where per-row Python is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt
import polars as pl

from solvent.columnar import u128
from solvent.protocol.amounts import parse_units
from solvent.protocol.assets import MAX_DECIMALS
from solvent.protocol.errors import InputError
from solvent.protocol.liabilities_text import describe_amount

__all__ = [
    "ParsedAmounts",
    "Status",
    "canonical_pattern",
    "describe",
    "finish",
    "format_limbs",
    "limbs_to_csv_series",
    "parse_texts",
    "with_parsed",
]

_MAX = (1 << 128) - 1
_TWO64 = 1 << 64
_LEDGER = r"^[0-9]+(?:\.[0-9]+)?$"
_DECIMAL38 = 10**38  # Polars' Decimal holds 38 digits; larger values take the text path


class Status(IntEnum):
    """Outcome of parsing one value (stored per row as UInt8)."""

    OK = 0
    SYNTAX = 1  # missing, or not digits[.digits] (ledger) / not canonical (published file)
    PRECISION = 2  # more fractional digits than the asset's decimals
    RANGE = 3  # not below 2^128 base units


def canonical_pattern(decimals: int) -> str:
    """The one spelling of an amount in a published file (spec §7 (The full data: liabilities.csv))."""
    _check_decimals(decimals)
    whole = "(?:0|[1-9][0-9]*)"
    return f"^{whole}$" if decimals == 0 else rf"^{whole}\.[0-9]{{{decimals}}}$"


def _check_decimals(decimals: int) -> None:
    if type(decimals) is not int or not 0 <= decimals <= MAX_DECIMALS:
        raise ValueError(f"decimals must be an int in 0..{MAX_DECIMALS}, got {decimals!r}")


def with_parsed(
    lf: pl.LazyFrame,
    text: pl.Expr,
    decimals: int | pl.Expr,
    *,
    prefix: str,
    round_up: bool = False,
    canonical: bool = False,
) -> pl.LazyFrame:
    """Add ``{prefix}hi``, ``{prefix}lo`` (UInt64), ``{prefix}status`` (UInt8), ``{prefix}round`` (Boolean).

    ``text`` is a String expression; ``decimals`` an int or a per-row integer
    expression (the long ledger layout has one asset per row).  Bad rows get a
    non-zero status and limbs 0.  ``{prefix}round`` marks values whose discarded
    digits were not all zero: the caller adds one base unit to them
    (:func:`finish`), which keeps every addition out of Polars.

    The intermediate columns are computed in stages (``with_columns``) so that
    Polars evaluates each string operation once; a single nested expression would
    recompute shared sub-expressions for every output.
    """
    if isinstance(decimals, int):
        _check_decimals(decimals)
        dec: pl.Expr = pl.lit(decimals, dtype=pl.Int64)
    elif canonical:
        raise ValueError("the canonical dialect needs a fixed number of decimals")
    else:
        dec = decimals.cast(pl.Int64)
    t = f"{prefix}_text"
    tmp = {k: f"{prefix}_{k}" for k in ("ok", "x", "value")}
    ok, x, value = (pl.col(tmp[k]) for k in ("ok", "x", "value"))
    pattern = canonical_pattern(decimals) if canonical and isinstance(decimals, int) else _LEDGER

    lf = lf.with_columns(text.cast(pl.String).alias(t))
    lf = lf.with_columns(
        pl.col(t).str.contains(pattern).fill_null(False).alias(tmp["ok"]),
        # Digits only once the point is gone: a strict integer parse, null at >= 2^128.
        pl.col(t).str.replace(".", "", literal=True).cast(pl.UInt128, strict=False).alias(tmp["x"]),
    )
    if canonical:
        # The pattern fixes the number of fractional digits: x is already in base units.
        lf = lf.with_columns(x.alias(tmp["value"]), pl.lit(False).alias(f"{prefix}round"))
        excess: pl.Expr = pl.lit(False)
    else:
        lf, excess = _scale(lf, t, tmp, dec, prefix=prefix, round_up=round_up)

    status = (
        pl.when(~ok)
        .then(pl.lit(int(Status.SYNTAX)))
        .when(excess)
        .then(pl.lit(int(Status.PRECISION)))
        .when(value.is_null())
        .then(pl.lit(int(Status.RANGE)))
        .otherwise(pl.lit(int(Status.OK)))
        .cast(pl.UInt8)
    )
    lf = lf.with_columns(status.alias(f"{prefix}status"))
    # Bad rows get limbs 0, whatever the lenient integer cast made of them.
    ok_row = pl.col(f"{prefix}status") == int(Status.OK)
    lf = lf.with_columns(pl.when(ok_row).then(value).otherwise(pl.lit(0, dtype=pl.UInt128)).alias(tmp["value"]))
    lf = lf.with_columns(
        (value // pl.lit(_TWO64, dtype=pl.UInt128)).cast(pl.UInt64).alias(f"{prefix}hi"),
        value.cast(pl.UInt64, wrap_numerical=True).alias(f"{prefix}lo"),
        (pl.col(f"{prefix}round") & ok_row).alias(f"{prefix}round"),
    )
    return lf.drop([t, *tmp.values(), f"{prefix}_excess"], strict=False)


_POW10 = pl.Series("pow10", [10**k for k in range(MAX_DECIMALS + 1)], dtype=pl.UInt128)
_FITS = pl.Series("fits", [_MAX // 10**k for k in range(MAX_DECIMALS + 1)], dtype=pl.UInt128)


def _scale(
    lf: pl.LazyFrame, t: str, tmp: dict[str, str], dec: pl.Expr, *, prefix: str, round_up: bool
) -> tuple[pl.LazyFrame, pl.Expr]:
    """Ledger dialect: ``{prefix}_value`` = x * 10^(decimals - fraction digits), or the rounded-up truncation.

    Returns the frame and the expression that flags a PRECISION error.
    """
    pos, flen = f"{prefix}_pos", f"{prefix}_flen"
    lf = lf.with_columns(pl.col(t).str.find(".", literal=True).cast(pl.Int64).alias(pos))
    lf = lf.with_columns(
        pl.when(pl.col(pos).is_null())
        .then(pl.lit(0, dtype=pl.Int64))
        .otherwise(pl.col(t).str.len_bytes().cast(pl.Int64) - pl.col(pos) - 1)
        .alias(flen)
    )
    excess = pl.col(flen) > dec
    x = pl.col(tmp["x"])
    # Polars' UInt128 multiply wraps: multiply only where x <= (2^128 - 1) // 10^shift.
    shift = (dec - pl.col(flen)).clip(0, MAX_DECIMALS).cast(pl.UInt32)
    scaled = pl.when(x <= pl.lit(_FITS).gather(shift)).then(x * pl.lit(_POW10).gather(shift))
    if round_up:
        # Too many digits: keep "whole.<first decimals digits>"; any non-zero digit
        # beyond them rounds up (towards a larger liability), never down.
        keep = pl.col(pos) + 1 + dec
        truncated = pl.col(t).str.slice(0, keep).str.replace(".", "", literal=True).cast(pl.UInt128, strict=False)
        lf = lf.with_columns(
            pl.when(excess).then(truncated).otherwise(scaled).alias(tmp["value"]),
            (excess & pl.col(t).str.slice(keep).str.contains("[1-9]")).fill_null(False).alias(f"{prefix}round"),
        )
        return lf.drop(pos, flen), pl.lit(False)
    lf = lf.with_columns(
        scaled.alias(tmp["value"]),
        excess.alias(f"{prefix}_excess"),
        pl.lit(False).alias(f"{prefix}round"),
    )
    return lf.drop(pos, flen), pl.col(f"{prefix}_excess")


@dataclass(frozen=True)
class ParsedAmounts:
    """One column of parsed amounts: limbs ``(k, 2)``, a Status per row, and the rounded rows."""

    limbs: u128.U128
    status: npt.NDArray[np.uint8]
    rounded: npt.NDArray[np.bool_]

    @property
    def bad_rows(self) -> npt.NDArray[np.intp]:
        """0-based indices of the rows whose status is not OK."""
        return np.flatnonzero(self.status)


def finish(
    hi: npt.NDArray[np.uint64],
    lo: npt.NDArray[np.uint64],
    status: npt.NDArray[np.uint8],
    rounded: npt.NDArray[np.bool_],
) -> ParsedAmounts:
    """Assemble the columns of :func:`with_parsed` and apply the round-up increments."""
    limbs = np.empty((len(hi), 2), dtype=np.uint64)
    limbs[:, 0] = hi
    limbs[:, 1] = lo
    status = np.array(status, dtype=np.uint8)
    rounded = np.array(rounded, dtype=np.bool_) & (status == Status.OK)
    if rounded.any():
        limbs, overflow = u128.increment(limbs, rounded)
        status[overflow] = Status.RANGE
        limbs[overflow] = 0
        rounded &= ~overflow
    return ParsedAmounts(limbs, status, rounded)


def parse_texts(
    texts: pl.Series,
    decimals: int,
    *,
    round_up: bool = False,
    canonical: bool = False,
) -> ParsedAmounts:
    """Parse a String Series of amounts in asset units into base-unit limbs.

    Equivalent, value by value, to ``parse_units(text, decimals, round_up=round_up)``
    (ledger dialect) or to the canonical format of spec §7 (The full data: liabilities.csv); bad values are flagged
    in ``status``, never raised here.
    """
    lf = pl.DataFrame({"t": texts.cast(pl.String)}).lazy()
    df = with_parsed(lf, pl.col("t"), decimals, prefix="a", round_up=round_up, canonical=canonical).collect()
    return finish(
        df["ahi"].to_numpy(),
        df["alo"].to_numpy(),
        df["astatus"].to_numpy(),
        df["around"].to_numpy(),
    )


def describe(text: str | None, decimals: int, *, round_up: bool = False, canonical: bool = False) -> str:
    """Say, for a human, what is wrong with one value (per-row Python: bad rows only)."""
    if text is None or text == "":
        return "empty or missing amount"
    shown = text if len(text) <= 60 else text[:57] + "..."
    if canonical:
        return describe_amount(text, decimals)
    try:
        parse_units(text, decimals, round_up=round_up)
    except InputError as e:
        message = e.message.removeprefix("amount: ")
        # The reference quotes the whole value; a runaway cell must not flood the error.
        return message if len(message) <= 200 else message[:197] + "..."
    return f"{shown!r} is not a valid amount"  # pragma: no cover - the vector path and the reference agree


def _u128_series(limbs: u128.U128) -> pl.Series:
    """``(k, 2)`` limbs as a UInt64 Series when they fit, else UInt128 (hi * 2^64 + lo cannot overflow)."""
    lo = pl.Series(np.ascontiguousarray(limbs[:, 1]), dtype=pl.UInt64)
    if not limbs[:, 0].any():
        return lo
    hi = pl.Series(np.ascontiguousarray(limbs[:, 0]), dtype=pl.UInt64)
    frame = pl.DataFrame({"hi": hi, "lo": lo})
    return frame.select(
        pl.col("hi").cast(pl.UInt128) * pl.lit(_TWO64, dtype=pl.UInt128) + pl.col("lo").cast(pl.UInt128)
    ).to_series()


def limbs_to_csv_series(limbs: u128.U128, decimals: int, name: str = "amount") -> pl.Series:
    """A column that Polars' CSV writer prints exactly as ``format_units`` would.

    Values below 10^38 become ``Decimal(38, decimals)`` whose unscaled integer is
    the base-unit amount (the writer prints exactly ``decimals`` fractional digits,
    and no conversion to Python objects happens); a column holding any value at or
    above 10^38 is formatted as text instead.
    """
    _check_decimals(decimals)
    x = _u128_series(limbs)
    if x.dtype == pl.UInt64 or len(x) == 0 or int(x.max()) < _DECIMAL38:  # type: ignore[arg-type]
        unit = pl.lit(1, dtype=pl.Decimal(38, 0)) if decimals == 0 else _decimal_ulp(decimals)
        return pl.DataFrame({"x": x}).select((pl.col("x").cast(pl.Decimal(38, 0)) * unit).alias(name)).to_series()
    return format_limbs(limbs, decimals).alias(name)


def _decimal_ulp(decimals: int) -> pl.Expr:
    """``10^-decimals`` as a Decimal literal: multiplying an integer by it only moves the point."""
    one = pl.Series([f"0.{'0' * (decimals - 1)}1"]).cast(pl.Decimal(38, decimals))
    return pl.lit(one[0], dtype=pl.Decimal(38, decimals))


def format_limbs(limbs: u128.U128, decimals: int) -> pl.Series:
    """Limbs -> text in asset units with exactly ``decimals`` fractional digits
    (spec §7 (The full data: liabilities.csv)).

    ``0.12345678``; no fraction when ``decimals`` is 0; the integer part has no
    leading zeros.  Byte-identical to ``format_units`` on every value.
    """
    _check_decimals(decimals)
    digits = _u128_series(limbs).cast(pl.String)
    if decimals == 0:
        return digits
    frame = pl.DataFrame({"d": digits.str.pad_start(decimals + 1, "0")})
    cut = pl.col("d").str.len_bytes().cast(pl.Int64) - decimals
    return frame.select(
        pl.concat_str([pl.col("d").str.slice(0, cut), pl.lit("."), pl.col("d").str.slice(cut)])
    ).to_series()
