"""Building vector files: exact inputs (text, base64 or a recipe for megabytes) and expected results."""

from __future__ import annotations

import base64
from typing import Any

from tests.conformance.vectors import assemble

__all__ = ["LIMIT", "Spec", "error", "fill", "hex_part", "input_of", "lit", "recipe", "repeat", "vector"]

Spec = dict[str, Any]
#: docs/spec.md §6: a proof file is at most 4 MiB.
LIMIT = 4 * 1024 * 1024


def input_of(data: bytes) -> Spec:
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def recipe(*parts: Spec) -> Spec:
    return {"generate": {"size": len(assemble(list(parts))), "parts": list(parts)}}


def lit(s: str) -> Spec:
    return {"text": s}


def repeat(s: str, times: int) -> Spec:
    return {"repeat": s, "times": times}


def fill(head: str, unit: str, tail: str, *, size: int = LIMIT, pad: str = " ") -> Spec:
    """``head``, then ``unit`` as often as fits, then ``pad`` up to ``size`` bytes, then ``tail``."""
    room = size - len(head.encode()) - len(tail.encode())
    times, rest = divmod(room, len(unit.encode()))
    parts = [lit(head), repeat(unit, times)]
    if rest:
        parts.append(repeat(pad, rest // len(pad.encode())))
    return recipe(*parts, lit(tail))


def vector(
    kind: str,
    description: str,
    data: Spec,
    expect: Spec,
    manifest: str | None = None,
    asked_for: str | None = None,
    *,
    asset: tuple[str, int] | None = None,
) -> Spec:
    out: Spec = {"description": description, "kind": kind}
    if kind == "proof":
        out["manifest"] = manifest
        if asked_for is not None:
            out["asked_for"] = asked_for
    if asset is not None:
        out["symbol"], out["decimals"] = asset
    out["input"] = data
    out["expect"] = expect
    return out


def error(code: str) -> Spec:
    return {"error": code}


def hex_part(h: str) -> Spec:
    return {"hex": h}
