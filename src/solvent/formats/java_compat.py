"""Two Java behaviours some exchanges hash without meaning to: ``BigDecimal.toString`` and ``HashMap`` order.

Bitget's verifier before 21 November 2025 (and UZX's fork of it) hashed a balance map
as fastjson prints a ``HashMap<String, BigDecimal>``: the keys in the map's iteration
order and each value as ``BigDecimal.toString()`` (docs/formats/bitget.md).  Both are
deterministic, and reproduced here exactly:

- A :class:`JavaDecimal` is a BigDecimal: an unscaled integer and a scale, exactly as
  parsed (``"2.10"`` keeps its scale of 2, ``"1E-8"`` is 1 with scale 8).  Its
  :func:`java_string` is ``BigDecimal.toString()`` (the JDK's documented canonical
  form: scientific notation when the scale is negative or the adjusted exponent is
  below -6); :func:`java_add` is ``BigDecimal.add`` (exact, scale the larger of the two).
- :func:`hashmap_order` is the iteration order of a ``java.util.HashMap`` (created with
  the default capacity 16 and load factor 0.75) after the keys were put in the given
  order: bucket ``(n - 1) & (h ^ (h >>> 16))`` for ``h = String.hashCode()`` over UTF-16
  code units, keys of one bucket in insertion order, the table doubled (each bucket's
  order kept) once the size passes three quarters of it, or when a bucket of a table
  smaller than 64 reaches nine keys.  A bucket that large in a table of 64 or more
  becomes a red-black tree, whose order is not reproduced: refused as unsupported.

No floats anywhere: a value is never anything but integers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from solvent.formats.exchange_decimals import SCALE, check_range
from solvent.protocol.errors import FormatError

__all__ = ["JavaDecimal", "hashmap_order", "java_add", "java_hash", "java_string", "parse_java_decimal"]

#: A decimal as JSON writes a number and ``new BigDecimal(String)`` reads one: sign, digits,
#: fraction, exponent (``1E-8``, ``2.5e+3``).
_DECIMAL = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]{1,3}))?\Z")
#: Scales beyond this are refused before any power of ten is taken (a hostile exponent).
MAX_SCALE = 60

_MASK = 0xFFFFFFFF
_INITIAL_CAPACITY = 16
_TREEIFY_THRESHOLD = 8
_MIN_TREEIFY_CAPACITY = 64


class JavaDecimal(NamedTuple):
    """A ``java.math.BigDecimal``: ``unscaled * 10^-scale``, the scale kept as written."""

    unscaled: int
    scale: int

    def units(self, where: str) -> int:
        """The value in units of 10^-18 (exchange_decimals' form): exact, or a FormatError."""
        if self.scale <= SCALE:
            return check_range(self.unscaled * 10 ** (SCALE - self.scale), where)
        whole, rest = divmod(self.unscaled, 10 ** (self.scale - SCALE))
        if rest:
            raise FormatError(
                f"{where}: more than {SCALE} fractional digits are not zeros", code="decimal", evidence={"field": where}
            )
        return check_range(whole, where)


def parse_java_decimal(text: object, where: str) -> JavaDecimal:
    """Parse a decimal written as text (a JSON number kept as text, or a string) exactly.

    Plain (``0.0015``, ``2.10``) and exponent (``1E-8``, ``-1.5e+3``) notation, as
    Bitget's and UZX's tools wrote them; no ``+`` sign, spaces, ``NaN`` or empty text.
    """
    if not isinstance(text, str):
        raise FormatError(
            f"{where}: expected a decimal, got {type(text).__name__}", code="type", evidence={"field": where}
        )
    m = _DECIMAL.match(text) if len(text) <= 80 else None
    if m is None:
        raise FormatError(
            f"{where}: {text[:80]!r} is not a decimal number",
            code="decimal",
            evidence={"field": where, "value": text[:80]},
        )
    sign, whole, frac, exp = m.group(1), m.group(2), m.group(3) or "", m.group(4)
    scale = len(frac) - int(exp or "0")
    if not -MAX_SCALE <= scale <= MAX_SCALE:
        raise FormatError(
            f"{where}: {text!r} has an exponent out of range", code="decimal", evidence={"field": where, "value": text}
        )
    unscaled = int(whole + frac)
    return JavaDecimal(-unscaled if sign else unscaled, scale)


def java_string(d: JavaDecimal) -> str:
    """``BigDecimal.toString()``: plain when the scale is not negative and the adjusted
    exponent is at least -6 (``0.000001``, ``2.10``, ``0.00``), else scientific
    (``1E-8``, ``0E-8``, ``1.0E-7``, ``1E+3``)."""
    digits = str(abs(d.unscaled))
    sign = "-" if d.unscaled < 0 else ""
    adjusted = len(digits) - 1 - d.scale
    if d.scale >= 0 and adjusted >= -6:
        if d.scale == 0:
            return sign + digits
        if len(digits) > d.scale:
            return f"{sign}{digits[: -d.scale]}.{digits[-d.scale :]}"
        return f"{sign}0.{digits.rjust(d.scale, '0')}"
    mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
    # here the adjusted exponent is never 0: below -6, or above 0 for a negative scale
    return f"{sign}{mantissa}E{'+' if adjusted > 0 else '-'}{abs(adjusted)}"


def java_add(a: JavaDecimal, b: JavaDecimal) -> JavaDecimal:
    """``a.add(b)``: the exact sum at the larger of the two scales."""
    scale = max(a.scale, b.scale)
    return JavaDecimal(a.unscaled * 10 ** (scale - a.scale) + b.unscaled * 10 ** (scale - b.scale), scale)


def java_hash(s: str) -> int:
    """``String.hashCode()`` as an unsigned 32-bit value: ``s[0]*31^(n-1) + ... + s[n-1]`` over UTF-16 units."""
    data = s.encode("utf-16-le", "surrogatepass")
    h = 0
    for k in range(0, len(data), 2):
        h = (31 * h + (data[k] | data[k + 1] << 8)) & _MASK
    return h


def _spread(h: int) -> int:
    return h ^ (h >> 16)


def hashmap_order(keys: Iterable[str]) -> list[str]:
    """The order a ``new HashMap<>()`` iterates its keys after ``put`` of ``keys`` in this order.

    A key put twice keeps its first place.  FormatError (``version``) for a map whose
    bucket would become a tree (nine keys in one bucket of a table of 64 or more).
    """
    capacity = _INITIAL_CAPACITY
    table: list[list[str]] = [[] for _ in range(capacity)]
    size = 0

    def resized(old: list[list[str]], new_capacity: int) -> list[list[str]]:
        # Java splits each bucket into a low and a high half, each in its old order:
        # re-filling the new table bucket by bucket in the old order does the same.
        out: list[list[str]] = [[] for _ in range(new_capacity)]
        for bucket in old:
            for key in bucket:
                out[_spread(java_hash(key)) & (new_capacity - 1)].append(key)
        return out

    for key in keys:
        bucket = table[_spread(java_hash(key)) & (capacity - 1)]
        if key in bucket:
            continue
        bucket.append(key)
        if len(bucket) > _TREEIFY_THRESHOLD:
            if capacity >= _MIN_TREEIFY_CAPACITY:
                raise FormatError(
                    f"{len(bucket)} asset names share one bucket of Java's HashMap: its tree order is not reproduced",
                    code="version",
                )
            capacity *= 2
            table = resized(table, capacity)
        size += 1
        if size > capacity * 3 // 4:
            capacity *= 2
            table = resized(table, capacity)
    return [key for bucket in table for key in bucket]
