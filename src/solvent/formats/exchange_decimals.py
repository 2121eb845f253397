"""Exact decimal amounts as the exchanges write them, and the ways they print them.

Other exchanges publish balances as decimal strings ("0.00007282", "6.3077565",
"-1536.70659782") and hash *printed* sums, each with its own printing rule: Go's
``decimal.RoundDown(8).String()`` (OKX), Java's ``setScale(8, DOWN).toPlainString()``
(Bybit), ``stripTrailingZeros().toPlainString()`` (Bitget, MEXC).  Reproducing a
hash therefore needs the exact value and the exact printing rule, never a float.

A value is held as an ``int`` of units of ``10^-SCALE``.  Signs are accepted
because some published trees do contain negative sums (a verifier reports them as
anomalies instead of refusing to read the file); magnitudes are range-checked
against ``2^128`` units.
"""

from __future__ import annotations

import re

from solvent.protocol.errors import FormatError

__all__ = [
    "LIMIT",
    "SCALE",
    "check_range",
    "fixed",
    "parse_amount",
    "plain",
    "round_down",
]

#: Fractional digits kept exactly (no exchange format here uses more than 8).
SCALE = 18
_ONE = 10**SCALE
#: Every value and every computed sum has a magnitude below ``LIMIT`` units of 10^-18.
LIMIT = 1 << 128

_AMOUNT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?\Z")


def check_range(value: int, where: str) -> int:
    """``value`` (units of 10^-18) must have a magnitude below 2^128 (threat L3)."""
    if not -LIMIT < value < LIMIT:
        raise FormatError(
            f"{where}: the value leaves the range of +-2^128 units of 10^-{SCALE}",
            code="range",
            evidence={"field": where},
        )
    return value


def parse_amount(text: object, where: str) -> int:
    """Parse ``-?digits[.digits]`` exactly into units of 10^-18.

    Anything else (JSON numbers, booleans, exponents, ``+``, spaces, ``NaN``, empty,
    more than 18 fractional digits) is a FormatError naming ``where``.
    """
    if not isinstance(text, str):
        raise FormatError(
            f"{where}: expected a decimal string, got {type(text).__name__}",
            code="type",
            evidence={"field": where},
        )
    m = _AMOUNT.match(text) if len(text) <= 80 else None
    if m is None:
        raise FormatError(
            f"{where}: {text[:80]!r} is not a decimal number (optional '-', digits, optional fraction)",
            code="decimal",
            evidence={"field": where, "value": text[:80]},
        )
    sign, whole, frac = m.group(1), m.group(2), m.group(3) or ""
    if len(frac) > SCALE:
        raise FormatError(
            f"{where}: {text!r} has more than {SCALE} fractional digits",
            code="decimal",
            evidence={"field": where, "value": text},
        )
    value = int(whole + frac.ljust(SCALE, "0"))
    if value >= LIMIT:
        check_range(value, where)
    return -value if sign else value


def round_down(value: int, places: int) -> int:
    """Truncate towards zero to ``places`` fractional digits (Go RoundDown, Java DOWN)."""
    step: int = 10 ** (SCALE - places)
    magnitude = abs(value) // step * step
    return -magnitude if value < 0 else magnitude


def plain(value: int) -> str:
    """Shortest plain form: no exponent, no trailing fractional zeros, ``"0"`` for zero.

    This is Go's ``decimal.String()`` and Java's ``stripTrailingZeros().toPlainString()``.
    """
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), _ONE)
    digits = str(frac).rjust(SCALE, "0").rstrip("0")
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def fixed(value: int, places: int) -> str:
    """Exactly ``places`` fractional digits (Java ``setScale(places).toPlainString()``).

    The value must already have at most ``places`` fractional digits (round first).
    """
    step: int = 10 ** (SCALE - places)
    if value % step:
        raise ValueError(f"{value} has more than {places} fractional digits")
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), _ONE)
    if places == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{str(frac // step).rjust(places, '0')}"
