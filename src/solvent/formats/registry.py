"""Which proof formats ``solvent verify`` knows, and how a file's format is recognised.

A format is named by the user (``--format okx-v1``) or recognised from the file:
every format's ``sniff`` looks at the parsed JSON (or the text, for line formats)
and exactly one must say yes.  None is an unknown format, several an ambiguous one:
both are usage errors that list what was considered, never a guess.

``solvent`` is the project's own ``solvent-proof/1`` (verified by
``solvent.protocol.inclusion``, with a manifest and signature); every other name maps
to a module ``solvent.formats.<name>`` exposing ``FORMAT``.  Adding a format is one
line in ``_MODULES``.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from solvent.formats.base import ForeignFormat, ForeignResult
from solvent.protocol.errors import InputError
from solvent.protocol.layout import open_regular

__all__ = ["SOLVENT", "detect", "detect_file", "get", "names", "verify"]

SOLVENT = "solvent"

_MODULES: dict[str, str] = {
    "okx-v1": "solvent.formats.okx_v1",
    "okx-v2": "solvent.formats.okx_v2",
    "bybit": "solvent.formats.bybit",
    "bitget": "solvent.formats.bitget",
    "mexc": "solvent.formats.mexc",
    "bitmex": "solvent.formats.bitmex",
    "binance-zk": "solvent.formats.binance_zk",
    "gate-zk": "solvent.formats.gate_zk",
    "htx-zk": "solvent.formats.htx_zk",
    "okx-zkstark": "solvent.formats.okx_zkstark",
    "bitunix": "solvent.formats.bitunix",
    "hotcoin": "solvent.formats.hotcoin",
    "bitbase": "solvent.formats.bitbase",
}

#: Whole files up to this size are parsed for detection; larger ones by their first bytes.
_SNIFF_WHOLE = 16 * 1024 * 1024
_SNIFF_HEAD = 64 * 1024


def names() -> tuple[str, ...]:
    """Every format name ``--format`` accepts."""
    return (SOLVENT, *_MODULES)


def get(name: str) -> ForeignFormat:
    """The registered foreign format ``name`` (not ``solvent``, which has its own verifier)."""
    if name not in _MODULES:
        raise InputError(
            f"unknown format {name!r}; known formats: {', '.join(names())}",
            code="unknown-format",
            evidence={"format": name},
        )
    fmt: ForeignFormat = importlib.import_module(_MODULES[name]).FORMAT
    return fmt


def _is_solvent(obj: object, data: bytes) -> bool:
    """A solvent proof, or a damaged file that says it is one (it then fails its own checks, exit 1)."""
    if isinstance(obj, dict):
        # A solvent proof, or one whose format field was lost: it then fails its own checks.
        return str(obj.get("format", "")).startswith("solvent-proof/") or {"leaf", "siblings", "root"} <= obj.keys()
    return b'"solvent-proof/' in data[:_SNIFF_HEAD]


def _sniff_input(data: bytes, complete: bool) -> object:
    """Parsed JSON when the bytes are JSON, else the text, else None (a lenient parse: sniffing only)."""
    try:
        text = data.decode("utf-8") if complete else data.decode("utf-8", "ignore")  # a head may end mid-character
    except UnicodeDecodeError:
        return None
    if complete and text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            return None
    return text


def _matches(fmt: ForeignFormat, obj: object) -> bool:
    """A sniffer that trips over odd input simply does not match."""
    try:
        return bool(fmt.sniff(obj))
    except (TypeError, ValueError, KeyError, AttributeError, IndexError):
        return False


def detect(data: bytes, name: str = "input", *, complete: bool = True) -> str:
    """The one format whose sniffer recognises ``data``; InputError when none or several do."""
    obj = _sniff_input(data, complete)
    candidates = [SOLVENT] if _is_solvent(obj, data) else []
    candidates += [fmt_name for fmt_name in _MODULES if _matches(get(fmt_name), obj)]
    if not candidates:
        raise InputError(
            f"{name}: not a proof format solvent knows; name one with --format ({', '.join(names())})",
            code="unknown-format",
            evidence={"file": name},
        )
    if len(candidates) > 1:
        raise InputError(
            f"{name}: the format is ambiguous, it looks like {' and '.join(candidates)}; name it with --format",
            code="ambiguous-format",
            evidence={"file": name, "candidates": ",".join(candidates)},
        )
    return candidates[0]


def detect_file(path: Path) -> str:
    """Detect the format of a file; large files (full trees) are recognised by their first bytes."""
    with open_regular(path, "file") as f:
        try:
            size = os.fstat(f.fileno()).st_size
            data = f.read(_SNIFF_WHOLE if size <= _SNIFF_WHOLE else _SNIFF_HEAD)
        except OSError as e:
            raise InputError(f"{path}: cannot read ({e.strerror})") from e
    return detect(data, str(path), complete=size <= _SNIFF_WHOLE)


def verify(name: str, paths: Sequence[Path], params: Mapping[str, str] | None = None) -> ForeignResult:
    """Verify ``paths`` (main file first, companions after) as format ``name``.

    ``params`` are the customer's own inputs a format may need (BitMEX: account
    number and nonce; Bybit: a named asset schema); a format that takes none, or
    not these, refuses them rather than ignoring them.
    """
    fmt = get(name)
    if not params:
        return fmt.verify(paths)
    unknown = sorted(set(params) - set(fmt.params))
    if unknown or fmt.verify_with is None:
        accepted = ", ".join(fmt.params) or "none"
        raise InputError(
            f"the {name} format does not take {', '.join(unknown or sorted(params))} (it takes: {accepted})",
            code="params",
        )
    return fmt.verify_with(paths, params)
