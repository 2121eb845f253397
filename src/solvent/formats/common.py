"""Pieces every foreign-format verifier shares: strict reading, field checks, digests, findings.

Each exchange format has its own leaf and node rules, but they are read the same
careful way: bounded file reads, strict JSON (no duplicate keys, no floats unless
the format writes numbers), exact field sets (``solvent.protocol.strictjson.check_fields``),
lower-case hex of an exact length, digests compared with ``hmac.compare_digest``,
every sum range-checked.  The findings that several formats share are worded once
here so that the same weakness reads the same everywhere.  The "self + path" proof
shape of OKX v1, Bybit and Bitget has its own module, ``selfpath``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from solvent.formats.base import Finding
from solvent.formats.exchange_decimals import plain
from solvent.protocol.errors import FormatError, InputError, RootMismatch, VerificationError
from solvent.protocol.layout import read_small_file
from solvent.protocol.strictjson import NumberText, check_fields, loads_strict

__all__ = [
    "MAX_PROOF_BYTES",
    "MAX_TREE_BYTES",
    "asset_name",
    "check_recomputed",
    "compare_root",
    "get_int",
    "get_str",
    "hex_digest",
    "leaf_count_range",
    "load_json",
    "negative_findings",
    "neighbour_leak",
    "no_non_negativity",
    "read_bytes",
    "root_unanchored",
    "same_digest",
    "sha256_hex",
    "single_file",
    "sum_only_binding",
    "tree_size_leak",
]

MAX_PROOF_BYTES = 16 * 1024 * 1024
#: Full tree files are large; this bound keeps a hostile file from exhausting memory.
MAX_TREE_BYTES = 2 * 1024 * 1024 * 1024


def read_bytes(path: Path, what: str, max_bytes: int = MAX_PROOF_BYTES) -> bytes:
    """Read a whole file; a missing or unreadable one is the operator's problem (InputError)."""
    return read_small_file(path, what, max_bytes)


def bounded_lines(f: BinaryIO, path: Path, *, max_line: int, limit: int, what: str) -> Iterator[bytes]:
    """The lines of an open file, each at most ``max_line`` bytes and all together at most ``limit``.

    Read with a bounded ``readline``: a file of one endless line, or one growing while it is
    read, is refused where the limit is passed instead of being gathered into memory.
    """
    total = 0
    number = 0
    while True:
        try:
            line = f.readline(max_line + 1)
        except OSError as e:
            raise InputError(f"{path}: cannot read the {what} ({e.strerror})") from e
        if not line:
            return
        number += 1
        total += len(line)
        if total > limit:
            raise FormatError(
                f"{path}: the {what} is larger than {limit} bytes",
                code="too-large",
                evidence={"file": str(path), "limit": limit},
            )
        if len(line) > max_line:
            raise FormatError(
                f"{path} line {number}: longer than {max_line} bytes", code="line", evidence={"line": number}
            )
        yield line


def known_fields(
    obj: object, expected: Collection[str], where: str, *, fmt: str, optional: Collection[str] = ()
) -> dict[str, Any]:
    """:func:`~solvent.protocol.strictjson.check_fields` for another exchange's file: a field
    that no known version of ``fmt`` has means a version this verifier does not know, so it is
    an unsupported version (code ``version``: exit 2), never a verdict on the proof."""
    try:
        return check_fields(obj, expected, where, optional)
    except FormatError as e:
        if e.code == "fields" and isinstance(obj, dict) and obj.keys() - set(expected) - set(optional):
            raise FormatError(
                f"{e.message}: a field no known version of {fmt} has", code="version", evidence=e.evidence
            ) from e
        raise


def load_json(data: bytes, name: str, *, numbers_as_text: bool = False) -> Any:
    """Strict JSON of a published file (the project's loader: no floats, duplicate keys,
    NaN, BOM or deep nesting).

    ``numbers_as_text`` is for formats whose own examples write balances as JSON
    numbers (Bitget): every number then stays its exact decimal text, so it is parsed
    by :func:`parse_amount` and never becomes a float.
    """
    return loads_strict(data, name=name, max_bytes=MAX_PROOF_BYTES, max_int_digits=60, numbers_as_text=numbers_as_text)


_ASSET = re.compile(r"[A-Za-z0-9._-]{1,32}\Z")


def asset_name(name: str, where: str) -> str:
    """Asset names are printed into hashed text and onto the terminal: letters, digits, ``._-`` only."""
    if not _ASSET.match(name):
        raise FormatError(
            f"{where}: {name[:40]!r} is not an asset name (1 to 32 letters, digits, '.', '_', '-')",
            code="asset",
            evidence={"field": where},
        )
    return name


def get_str(d: Mapping[str, Any], key: str, where: str, pattern: str | None = None) -> str:
    value = d[key]
    if not isinstance(value, str) or isinstance(value, NumberText):
        raise FormatError(f"{where}.{key}: expected a string", code="type", evidence={"field": f"{where}.{key}"})
    if pattern is not None and not re.fullmatch(pattern, value):
        raise FormatError(
            f"{where}.{key}: {value[:80]!r} is not in the expected form",
            code="value",
            evidence={"field": f"{where}.{key}", "value": value[:80]},
        )
    return value


def get_int(d: Mapping[str, Any], key: str, where: str, lo: int, hi: int) -> int:
    value = d[key]
    if isinstance(value, NumberText) and re.fullmatch(r"-?[0-9]+", value):
        value = int(value)
    if type(value) is not int or not lo <= value <= hi:
        raise FormatError(
            f"{where}.{key}: expected an integer in [{lo}, {hi}], got {str(value)[:40]!r}",
            code="value",
            evidence={"field": f"{where}.{key}"},
        )
    return value


def hex_digest(d: Mapping[str, Any], key: str, where: str, chars: int) -> str:
    """Lower-case hex of exactly ``chars`` digits (the exchanges' own tools write lower case)."""
    return get_str(d, key, where, f"[0-9a-f]{{{chars}}}")


def single_file(fmt: str, paths: Sequence[Path]) -> None:
    """Formats whose proof is one self-contained file refuse companions (a usage error)."""
    if len(paths) != 1:
        raise InputError(
            f"the {fmt} format takes exactly one file, got {len(paths)}: {', '.join(map(str, paths))}",
            code="companions",
        )


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


def compare_root(
    computed_hash: str,
    computed: Mapping[str, int],
    root_hash: str,
    root: Mapping[str, int],
    *,
    show: Callable[[int], str] = plain,
) -> None:
    """The computed root must equal the root written in the file: hash and every total."""
    if not same_digest(computed_hash, root_hash):
        raise RootMismatch(
            "the computed root hash does not match the root in the file",
            evidence={"expected_hash": root_hash, "computed_hash": computed_hash},
        )
    for asset in sorted(set(computed) | set(root)):
        if computed.get(asset, 0) != root.get(asset, 0):
            raise RootMismatch(
                f"the computed total of {asset} does not match the root in the file",
                evidence={
                    "asset": asset,
                    "expected": show(root.get(asset, 0)),
                    "computed": show(computed.get(asset, 0)),
                    "root_hash": root_hash,
                },
            )


def check_recomputed(computed: str, written: str, message: str, code: str = "leaf-hash") -> None:
    """A hash written in the file must equal the one re-computed from what it is said to be made of.

    For hashes the file states and then uses (a leaf, a user hash): the written one
    is never trusted, and the failure carries both.
    """
    if not same_digest(computed, written):
        raise VerificationError(message, code=code, evidence={"expected": written, "computed": computed})


# -- findings shared by several formats ---------------------------------------------


def root_unanchored(root: str) -> Finding:
    return Finding(
        "limitation",
        f"The root {root} comes from this file only. Compare it with the root the exchange "
        "published for this audit and with other customers' roots: an exchange can show "
        "different customers different trees.",
        "root-unanchored",
    )


def sum_only_binding() -> Finding:
    return Finding(
        "weakness",
        "A node's hash commits to its children's hashes and their total, not to each child's "
        "balances, so the exchange can show two customers different balances for the same "
        "sibling and publish a total smaller than the sum of the accounts (the flaw in Maxwell's "
        "scheme, Hu-Zhang-Guo, ePrint 2018/1139). One customer's proof cannot rule this out.",
        "sum-only-binding",
    )


def no_non_negativity() -> Finding:
    return Finding(
        "limitation",
        "Only your own path was checked: each sibling's balances are the sum of other accounts, "
        "so negative balances hidden inside them (which lower the totals) cannot be seen. No "
        "per-asset non-negativity is proven without the full tree.",
        "no-non-negativity",
    )


def leaf_count_range(index: int, levels: int, twins: Collection[int] = ()) -> tuple[int, int]:
    """What one path says about the number of leaves ``n`` of a tree that pads odd levels.

    ``index`` is the leaf's position (bit ``k`` set when the path's node is a right
    child at level ``k``), ``levels`` the number of siblings, ``twins`` the levels
    where the sibling is padding.  Level ``k`` holds ``ceil(n / 2^k)`` real nodes: a
    padding sibling makes the path's node the last one (``= i + 1`` with ``i`` its
    index there); a real right sibling needs at least ``i + 2``; being a right child at
    least ``i + 1``.
    """
    if levels == 0:
        return 1, 1
    low, high = (1 << (levels - 1)) + 1, 1 << levels
    for k in range(levels):
        i, size = index >> k, 1 << k
        if k in twins:
            low, high = max(low, i * size + 1), min(high, (i + 1) * size)
        elif i % 2 == 0:
            low = max(low, (i + 1) * size + 1)
        else:
            low = max(low, i * size + 1)
    return low, high


def tree_size_leak(levels: int, index: int, twins: Collection[int] = ()) -> Finding:
    low, high = leaf_count_range(index, levels, twins)
    size = f"exactly {low:,}" if low == high else f"between {low:,} and {high:,}"
    return Finding(
        "leak",
        f"From its length, your position and its padding siblings, this path shows the tree has {size} "
        "leaves: every proof reveals the exchange's number of accounts to within that range.",
        "account-count",
    )


def neighbour_leak(where: str, balances: Mapping[str, str], extra: str = "") -> Finding:
    shown = ", ".join(f"{k} {v}" for k, v in balances.items() if v.strip("0.-"))
    return Finding(
        "leak",
        f"The first sibling ({where}) is another customer's leaf: this file shows that customer's "
        f"exact balances ({shown or 'all zero'}).{(' ' + extra) if extra else ''}",
        "neighbour-balances",
    )


def negative_findings(negatives: Sequence[tuple[str, str, int]], count: int | None = None) -> list[Finding]:
    """An anomaly for every negative balance or sum (where, asset, value) seen on the path.

    Only the first eight are shown; ``count`` is how many there are in all when only those
    were kept (a full tree can hold millions).
    """
    total = len(negatives) if count is None else count
    if not total:
        return []
    shown = "; ".join(f"{where} {asset} {plain(v)}" for where, asset, v in negatives[:8])
    more = f" (and {total - 8} more)" if total > 8 else ""
    return [
        Finding(
            "anomaly",
            f"Negative balances are bound into this tree: {shown}{more}. Negative accounts lower the "
            "published totals, so the totals understate what is owed to customers with positive "
            "balances (fake or netted negative accounts).",
            "negative-sum",
        )
    ]
