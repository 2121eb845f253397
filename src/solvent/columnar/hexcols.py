"""Hex text columns of 32-byte rows (hashed ids, user secrets) as Polars strings."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from solvent.columnar.liabilities_csv import encode_hex_ids

__all__ = ["hex_column"]

_CHUNK = 1 << 20


def hex_column(rows: npt.NDArray[np.uint8], name: str = "") -> pl.Series:
    """``(m, 32)`` uint8 rows -> a String Series of 64 lower-case hex digits each."""
    parts = [
        pl.Series(name, encode_hex_ids(rows[i : i + _CHUNK]).view("S64").ravel()).cast(pl.String)
        for i in range(0, rows.shape[0], _CHUNK)
    ]
    return pl.concat(parts) if parts else pl.Series(name, [], dtype=pl.String)
