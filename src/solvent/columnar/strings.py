"""Variable-length UTF-8 strings as one byte array and offsets, both ways, without
per-row Python: what the v2 build spills for each account's uid.

``offsets`` has one entry more than there are strings; string ``i`` is
``data[offsets[i]:offsets[i + 1]]``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = ["gather_bytes", "strings_from_bytes"]

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]


def gather_bytes(data: U8, offsets: I64, order: npt.NDArray[np.integer]) -> tuple[U8, I64]:
    """The strings ``order[0], order[1], ...`` laid end to end, and their offsets."""
    lengths = np.diff(offsets)[order]
    new = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new[1:])
    shift = offsets[:-1][order] - new[:-1]
    return data[np.repeat(shift, lengths) + np.arange(new[-1], dtype=np.int64)], new


def strings_from_bytes(data: U8, offsets: I64, name: str = "") -> pl.Series:
    """A String Series of the UTF-8 strings in ``data`` (none may contain a NUL byte).

    Strings are grouped by their length rounded up to a power of two and each group is
    laid out as a fixed-width byte matrix, so memory stays within twice the bytes
    however long the longest string is; Polars checks the UTF-8 when it casts.
    """
    lengths = np.diff(offsets)
    m = len(lengths)
    if m == 0:
        return pl.Series(name, [], dtype=pl.String)
    widths = np.left_shift(1, np.ceil(np.log2(np.maximum(lengths, 1))).astype(np.int64))
    parts: list[pl.Series] = []
    placed: list[npt.NDArray[np.intp]] = []
    for width in np.unique(widths).tolist():
        rows = np.flatnonzero(widths == width)
        matrix = np.zeros((len(rows), width), dtype=np.uint8)
        inside = np.arange(width) < lengths[rows, None]
        matrix[inside] = data[(offsets[rows, None] + np.arange(width))[inside]]
        parts.append(pl.Series(name, matrix.view(f"S{width}").ravel()))
        placed.append(rows)
    where = np.empty(m, dtype=np.int64)
    where[np.concatenate(placed)] = np.arange(m)
    return pl.concat(parts).gather(where).cast(pl.String).alias(name)
