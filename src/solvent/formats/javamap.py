"""The iteration order of a ``java.util.HashMap`` with String keys.

Some exchanges' tools hash a map by serialising a ``HashMap`` (fastjson's
``JSON.toJSONString``, Bitunix), so the hashed text lists the keys in the map's own
order: by bucket (the key's ``String.hashCode`` spread as ``h ^ (h >>> 16)``, masked to
the table size), and inside a bucket in insertion order.  The table starts at 16 slots
and doubles whenever the map holds more than three quarters of it; a split keeps the
relative order.  (Buckets that turn into trees at 8 colliding keys are not modelled:
a map of fewer than 64 slots resizes instead, and such collisions do not occur in asset
tickers; :func:`hashmap_order` refuses them.)
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["hashmap_order", "string_hash"]


def string_hash(text: str) -> int:
    """Java's ``String.hashCode`` over UTF-16 code units, as an unsigned 32-bit value."""
    h = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + int.from_bytes(data[i : i + 2], "big")) & 0xFFFFFFFF
    return h


def hashmap_order(keys: Sequence[str]) -> list[str]:
    """``keys`` (distinct, in insertion order) in the order a default ``HashMap`` iterates them."""
    size = 16
    while len(keys) > size * 3 // 4:
        size *= 2
    slots: dict[int, list[str]] = {}
    for key in keys:
        h = string_hash(key)
        slots.setdefault((h ^ (h >> 16)) & (size - 1), []).append(key)
    if any(len(chain) >= 8 for chain in slots.values()):
        raise ValueError("eight keys share one HashMap bucket: the order of a tree bin is not modelled")
    return [key for slot in sorted(slots) for key in slots[slot]]
