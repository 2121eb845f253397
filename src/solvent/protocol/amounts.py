"""Amounts: exact decimal parsing, canonical integers and the [0, 2^128) range.

Money is never a float.  A human-facing amount (``"1.5"`` BTC) becomes an integer of
base units (``150000000``) by string arithmetic only; published files carry base-unit
integers as canonical decimal strings (spec §2 (Assets and amounts),
§6 (Inclusion proofs)).
"""

from __future__ import annotations

import re

from solvent.protocol.errors import FormatError, InputError

__all__ = [
    "AMOUNT_LIMIT",
    "check_amount",
    "describe_bad_decimal",
    "format_signed_units",
    "format_units",
    "parse_canonical_int",
    "parse_units",
]

#: Every amount and every sum lies in ``[0, AMOUNT_LIMIT)``.
AMOUNT_LIMIT = 1 << 128

_CANONICAL = re.compile(r"(?:0|[1-9][0-9]{0,38})\Z")
_DECIMAL = re.compile(r"([0-9]+)(?:\.([0-9]+))?\Z")


def check_amount(value: int, what: str = "amount") -> int:
    """Return ``value`` if it is an int in ``[0, 2^128)``; raise FormatError otherwise."""
    if type(value) is not int:  # bool is an int subclass: reject it too
        raise FormatError(f"{what}: expected an integer, got {type(value).__name__}", code="type")
    if not 0 <= value < AMOUNT_LIMIT:
        raise FormatError(
            f"{what}: {value} is outside [0, 2^128)",
            code="range",
            evidence={"field": what, "value": value},
        )
    return value


def parse_canonical_int(text: object, what: str = "amount") -> int:
    """Parse a base-unit integer written as a canonical decimal string.

    Canonical: ``"0"`` or a non-zero digit followed by digits; no sign, no leading
    zeros, no fraction, no whitespace; the value below 2^128.  Anything else,
    including JSON numbers and booleans, is a FormatError naming ``what``.
    """
    if not isinstance(text, str):
        raise FormatError(
            f"{what}: expected a decimal string, got {type(text).__name__}",
            code="type",
            evidence={"field": what},
        )
    if not _CANONICAL.match(text):
        code = "negative" if text.startswith("-") else "non-canonical"
        if code == "non-canonical" and text.isdigit() and len(text) > 39:
            code = "range"
        raise FormatError(
            f"{what}: {text[:80]!r} is not a canonical non-negative integer",
            code=code,
            evidence={"field": what, "value": text[:80]},
        )
    return check_amount(int(text), what)


def parse_units(text: str, decimals: int, *, round_up: bool = False, what: str = "amount") -> int:
    """Parse a decimal amount in asset units into an integer of base units, exactly.

    ``parse_units("1.5", 8) == 150000000``.  Digits only with an optional fraction:
    signs, exponents, NaN, whitespace and empty strings are InputErrors.  More
    fractional digits than ``decimals`` is an error unless ``round_up`` is set, in
    which case the amount is rounded up (towards a larger liability), never down.
    """
    m = _DECIMAL.match(text)
    if m is None:
        raise InputError(f"{what}: {describe_bad_decimal(text)}", evidence={"value": text[:80]})
    whole, frac = m.group(1), m.group(2) or ""
    extra = frac[decimals:]
    frac = frac[:decimals]
    if extra and not round_up:
        raise InputError(
            f"{what}: {text!r} has {len(frac) + len(extra)} fractional digits, "
            f"the asset has {decimals}",
            evidence={"value": text[:80], "decimals": decimals},
        )
    digits = (whole + frac.ljust(decimals, "0")).lstrip("0")
    if len(digits) > 39:
        raise InputError(f"{what}: {text[:80]!r} is not below 2^128 base units")
    value = int(digits or "0")
    if extra.strip("0"):
        value += 1
    if value >= AMOUNT_LIMIT:
        raise InputError(f"{what}: {text[:80]!r} is not below 2^128 base units")
    return value


def describe_bad_decimal(text: str) -> str:
    """Say what is wrong with a string that is not ``digits[.digits]``."""
    stripped = text.strip()
    if text == "":
        return "empty amount"
    if stripped != text:
        return f"{text!r} has surrounding whitespace"
    if stripped.startswith("-"):
        return f"{text!r} is negative"
    if stripped.startswith("+"):
        return f"{text!r} has a sign"
    lowered = stripped.lower()
    if lowered in {"nan", "inf", "infinity", "+inf", "-inf"}:
        return f"{text!r} is not a number"
    if "e" in lowered and any(c.isdigit() for c in lowered):
        return f"{text!r} uses exponent notation"
    return f"{text[:80]!r} is not a decimal number (digits with an optional fraction)"


def format_units(value: int, decimals: int) -> str:
    """Format base units as asset units with exactly ``decimals`` fractional digits."""
    check_amount(value)
    if decimals == 0:
        return str(value)
    digits = str(value).rjust(decimals + 1, "0")
    return f"{digits[:-decimals]}.{digits[-decimals:]}"


def format_signed_units(value: int, decimals: int) -> str:
    """:func:`format_units` for a difference that may be negative (a shortfall): ``-`` then the magnitude."""
    return ("-" if value < 0 else "") + format_units(abs(value), decimals)
