"""Reading the conformance vectors: one JSON file per case, materialised into exact bytes.

A vector file (``vectors/KIND/NAME.json``) holds::

    {
      "description": "what the case is and why it must give this result",
      "kind": "proof" | "json" | "hashed-id" | "exchange-name" | "liabilities-v2" | "proof-bytes" | "signature",
      "manifest": "manifests/kat.json" | null,           (proof vectors only)
      "asked_for": "<64 hex>",                            (proof vectors, optional: the id looked up)
      "symbol": "BTC", "decimals": 8,                     (liabilities-v2 vectors only: the CSV's asset)
      "message": "manifests/kat.json",                   (signature vectors only: the bytes signed)
      "input": {"text": "..."} | {"base64": "..."} | {"generate": {"size": N, "parts": [...]}},
      "signature": {"text": "..."} | {"base64": "..."},    (signature vectors only: snapshot.json.sig;
                                                           the input is then signing.pub)
      "expect": {"error": "root-mismatch"} | {"valid": true, "anchored": true} | {"hashed_id": "..."}
                | {"root": {"hash": "<64 hex>", "sum": "<base units>", "height": h, "leaf_count": n}}
                | {"bytes": "<the proof file solvent prove writes>"}           (proof-bytes vectors)
                | {"error": "hex", "file": "signing.pub"} | {"error": "bad-signature", "rule": "key-small-order"}
                                                                                (signature vectors)
    }

``input`` is the exact bytes a verifier receives: UTF-8 text, base64 for bytes that are
not UTF-8, or, for inputs of megabytes (which are not committed), a recipe: the
concatenation of its parts, ``{"text": s}``, ``{"repeat": s, "times": n}`` (``s`` n times),
``{"numbered": s, "count": n}`` (``s`` with ``{}`` replaced by 0, 1, ... n-1),
``{"numbered": s, "count": n, "start": a, "hex": w}`` (``{}`` replaced by a, a+1, ... a+n-1,
each in ``w`` lower-case hex digits: ascending hashed ids) and
``{"hex": h}`` (raw bytes), whose total size must be ``size``. Only Python materialises
vectors; the browser is handed the same bytes. The expected result is written once, in
the file, and read by both runners.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["DIR", "KINDS", "Vector", "assemble", "load", "load_all", "materialise", "wanted_of"]

DIR = Path(__file__).parent / "vectors"
KINDS = ("proof", "json", "hashed-id", "exchange-name", "liabilities-v2", "proof-bytes", "signature")


@dataclass(frozen=True)
class Vector:
    #: path below ``vectors/`` without ".json", e.g. "proof/invalid-nan"
    name: str
    kind: str
    description: str
    input: dict[str, Any]
    expect: dict[str, Any]
    manifest: str | None
    #: the hashed id the proof was looked up by (the verifier must check the leaf is that id's)
    asked_for: str | None = None
    #: the asset of a liabilities-v2 vector's CSV
    symbol: str | None = None
    decimals: int | None = None
    #: a signature vector's manifest (the bytes signed), below ``vectors/``
    message: str | None = None
    #: a signature vector's snapshot.json.sig (its ``input`` is the signing.pub)
    signature: dict[str, Any] | None = None

    @property
    def error(self) -> str | None:
        code = self.expect.get("error")
        return None if code is None else str(code)


def assemble(parts: list[dict[str, Any]]) -> bytes:
    """The bytes of a recipe's parts, concatenated."""
    pieces = []
    for part in parts:
        if set(part) == {"text"}:
            pieces.append(part["text"].encode("utf-8"))
        elif set(part) == {"repeat", "times"}:
            pieces.append(part["repeat"].encode("utf-8") * part["times"])
        elif set(part) == {"numbered", "count"}:
            pieces.append("".join(part["numbered"].replace("{}", str(i)) for i in range(part["count"])).encode())
        elif set(part) == {"numbered", "count", "start", "hex"}:
            numbers = range(part["start"], part["start"] + part["count"])
            pieces.append("".join(part["numbered"].replace("{}", f"{i:0{part['hex']}x}") for i in numbers).encode())
        elif set(part) == {"hex"}:
            pieces.append(bytes.fromhex(part["hex"]))
        else:
            raise ValueError(f"unknown recipe part {sorted(part)}")
    return b"".join(pieces)


def materialise(spec: dict[str, Any]) -> bytes:
    """The exact bytes of a vector's ``input``."""
    if set(spec) == {"text"}:
        return str(spec["text"]).encode("utf-8")
    if set(spec) == {"base64"}:
        return base64.b64decode(spec["base64"], validate=True)
    if set(spec) == {"generate"}:
        data = assemble(spec["generate"]["parts"])
        if len(data) != spec["generate"]["size"]:
            raise ValueError(f"recipe gives {len(data)} bytes, says {spec['generate']['size']}")
        return data
    raise ValueError(f"unknown input {sorted(spec)}")


def load(path: Path, root: Path = DIR) -> Vector:
    raw = json.loads(path.read_text(encoding="utf-8"))
    name = path.relative_to(root).with_suffix("").as_posix()
    if raw["kind"] not in KINDS or name.split("/")[0] != raw["kind"]:
        raise ValueError(f"{name}: kind {raw['kind']!r} does not match its folder")
    return Vector(
        name,
        raw["kind"],
        raw["description"],
        raw["input"],
        raw["expect"],
        raw.get("manifest"),
        raw.get("asked_for"),
        raw.get("symbol"),
        raw.get("decimals"),
        raw.get("message"),
        raw.get("signature"),
    )


def load_all(root: Path = DIR) -> list[Vector]:
    """Every vector, in a fixed order (kind, then file name)."""
    return [load(p, root) for kind in KINDS for p in sorted((root / kind).glob("*.json"))]


def wanted_of(vector: Vector) -> dict[str, Any]:
    """What runner.js is told of a vector (its bytes it fetches; its expected result it is not told)."""
    return {
        "name": vector.name,
        "kind": vector.kind,
        "manifest": vector.manifest,
        "asked_for": vector.asked_for,
        "symbol": vector.symbol,
        "decimals": vector.decimals,
        "message": vector.message,
    }
