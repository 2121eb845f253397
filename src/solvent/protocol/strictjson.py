"""Strict JSON for published files (threat L18).

Python's ``json`` accepts things a security format must not: duplicate keys (the
last one silently wins), floats, ``NaN``/``Infinity``, integers of any length, a BOM.
``loads_strict`` rejects each with a FormatError naming the file; field-level checks
(exact field sets, types, hex) live with each format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

from solvent.protocol.errors import FormatError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "NumberText",
    "check_depth",
    "check_fields",
    "check_int",
    "field_names",
    "dumps_canonical",
    "hex_bytes",
    "loads_strict",
]

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64
_HEX = re.compile(r"[0-9a-f]*\Z")
# A string runs to its closing quote or, unterminated, to the end of the input: either
# way the scan moves on past it, so the whole check is one linear pass.
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)


class NumberText(str):
    """A JSON number kept as its exact decimal text (``numbers_as_text=True``), never a float."""


class _Reject(Exception):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Reject(f"duplicate key {key!r}", "json-duplicate-key")
        out[key] = value
    return out


def _no_float(text: str) -> Any:
    raise _Reject(f"number {text[:40]} is not an integer (floats are not allowed)", "json-float")


def _no_constant(text: str) -> Any:
    raise _Reject(f"{text} is not allowed", "json-constant")


def _int_parser(max_digits: int) -> Any:
    def parse(text: str) -> int:
        # Also a guard against quadratic int() on megabyte-long digit strings.
        if len(text.lstrip("-")) > max_digits:
            raise _Reject(f"integer {text[:40]}... has more than {max_digits} digits", "json-int")
        return int(text)

    return parse


def _number_text(max_digits: int) -> Any:
    def parse(text: str) -> NumberText:
        if len(text) > max_digits + 20:
            raise _Reject(f"number {text[:40]}... is too long", "json-int")
        return NumberText(text)

    return parse


def check_depth(text: str, limit: int = MAX_DEPTH, name: str = "input") -> None:
    """Reject nesting deeper than ``limit`` before parsing.

    The C JSON decoder recurses once per level; with a raised recursion limit a
    deep enough document overflows the C stack and kills the process instead of
    raising, so the depth is counted first, outside strings.
    """
    depth = 0
    for match in _STRUCTURE.finditer(text):
        piece = match.group()
        if piece in ("[", "{"):
            depth += 1
            if depth > limit:
                raise FormatError(f"{name}: nested deeper than {limit} levels", code="json-syntax")
        elif piece in ("]", "}"):
            depth -= 1


def loads_strict(
    data: bytes,
    *,
    name: str = "input",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_int_digits: int = 20,
    numbers_as_text: bool = False,
) -> Any:
    """Parse UTF-8 JSON bytes, rejecting duplicate keys, floats, NaN, long ints, BOMs, deep nesting.

    ``numbers_as_text`` keeps every JSON number (integer or not) as its exact text
    (:class:`NumberText`), for formats whose publishers write amounts as JSON numbers;
    they are then parsed exactly, never through a float.
    """
    if len(data) > max_bytes:
        raise FormatError(f"{name}: {len(data)} bytes is larger than the limit of {max_bytes}", code="too-large")
    if data.startswith(b"\xef\xbb\xbf"):
        raise FormatError(f"{name}: starts with a byte-order mark", code="json-bom")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(f"{name}: not UTF-8 (byte {e.start})", code="json-encoding") from e
    as_text = _number_text(max_int_digits)
    check_depth(text, name=name)
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=as_text if numbers_as_text else _no_float,
            parse_constant=_no_constant,
            parse_int=as_text if numbers_as_text else _int_parser(max_int_digits),
        )
    except _Reject as e:
        raise FormatError(f"{name}: {e}", code=e.code) from e
    except json.JSONDecodeError as e:
        raise FormatError(
            f"{name}: not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})", code="json-syntax"
        ) from e
    except RecursionError as e:
        raise FormatError(f"{name}: nested too deeply", code="json-syntax") from e


def dumps_canonical(value: object) -> bytes:
    """The one JSON encoding solvent writes: 2-space indent, fixed key order, final LF."""
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def field_names(names: Collection[str], most: int = 6, width: int = 40) -> str:
    """Field names for a message, sorted: at most ``most`` of them, each cut to ``width``
    characters, then how many more (a hostile file may carry thousands, or long ones)."""
    ordered = sorted(names)
    shown = [n if len(n) <= width else n[:width] + "..." for n in ordered[:most]]
    if len(ordered) > most:
        shown.append(f"and {len(ordered) - most} more")
    return ", ".join(shown)


def check_fields(
    obj: object, expected: Collection[str], where: str, optional: Collection[str] = ()
) -> dict[str, Any]:
    """``obj`` must be an object with every ``expected`` key, possibly ``optional`` ones, and
    nothing else; name what differs.

    ``optional`` is for formats written by others, whose nodes carry a field only
    sometimes (an audit id, a neighbour's nonce); solvent's own formats have exact
    field sets and leave it empty.
    """
    if not isinstance(obj, dict):
        raise FormatError(
            f"{where}: expected an object, got {type(obj).__name__}", code="type", evidence={"field": where}
        )
    required = set(expected)
    missing = required - obj.keys()
    unknown = obj.keys() - required - set(optional)
    if missing or unknown:
        parts = []
        if missing:
            parts.append("missing " + field_names(missing))
        if unknown:
            parts.append("unknown " + field_names(unknown))
        raise FormatError(f"{where}: {'; '.join(parts)}", code="fields", evidence={"field": where})
    return obj


def check_int(value: object, where: str, lo: int, hi: int) -> int:
    """An integer (never a bool) in ``[lo, hi]``."""
    if type(value) is not int:
        raise FormatError(
            f"{where}: expected an integer, got {type(value).__name__}", code="type", evidence={"field": where}
        )
    if not lo <= value <= hi:
        raise FormatError(f"{where}: {value} is outside [{lo}, {hi}]", code="range", evidence={"field": where})
    return value


def hex_bytes(value: object, where: str, length: int) -> bytes:
    """Lower-case hex of exactly ``length`` bytes, no ``0x``."""
    if not isinstance(value, str) or len(value) != 2 * length or not _HEX.match(value):
        shown = value[:80] if isinstance(value, str) else type(value).__name__
        raise FormatError(
            f"{where}: expected {2 * length} lower-case hex digits, got {shown!r}",
            code="hex",
            evidence={"field": where},
        )
    return bytes.fromhex(value)
