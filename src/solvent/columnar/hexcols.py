"""Hex text of 32-byte rows (hashed ids, user secrets), both ways, vectorised with NumPy."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = ["decode_hex_ids", "encode_hex_ids", "hex_column", "hex_to_bytes", "id_words"]

_CHUNK = 1 << 20
U8 = npt.NDArray[np.uint8]


def id_words(ids: U8) -> npt.NDArray[np.uint64]:
    """Each 32-byte id as four big-endian 64-bit words, so integer order is byte order."""
    return np.ascontiguousarray(ids).view(">u8").reshape(-1, 4).astype(np.uint64)


def encode_hex_ids(ids: U8) -> U8:
    """``(m, 32)`` bytes -> ``(m, 64)`` ASCII lower-case hex, with NumPy arithmetic only."""
    nibbles = np.empty((ids.shape[0], 64), dtype=np.uint8)
    np.right_shift(ids, 4, out=nibbles[:, 0::2])
    np.bitwise_and(ids, 15, out=nibbles[:, 1::2])
    # '0'..'9' are 48..57 and 'a'..'f' are 97..102: add 48, and 39 more for 10..15.
    letters = nibbles > 9
    nibbles += 48
    nibbles += letters * np.uint8(39)
    return nibbles


_LOW_NIBBLES = np.uint64(0x0F0F0F0F0F0F0F0F)
_BIT0 = np.uint64(0x0101010101010101)
_LOW_BYTES = np.uint64(0x00FF00FF00FF00FF)


def hex_to_bytes(text: U8, *, copy: bool = True) -> U8:
    """``(m, 64)`` ASCII hex digits -> ``(m, 32)`` bytes, eight characters per 64-bit word.

    For '0'..'9' (0x30..0x39) ``c & 0xF`` is the digit; for 'a'..'f' (0x61..0x66) it is
    1..6 and bit 6 is set, so adding ``9 * (c >> 6 & 1)`` gives 10..15.  The result
    is only meaningful for valid lower-case hex, which the caller checks.
    """
    words = np.ascontiguousarray(text).view(np.uint64)
    nibbles = (words & _LOW_NIBBLES) + ((words >> np.uint64(6)) & _BIT0) * np.uint64(9)
    # Little-endian: in each 16-bit lane the first character (high nibble) is the low byte.
    pairs = ((nibbles & _LOW_BYTES) << np.uint64(4)) | ((nibbles >> np.uint64(8)) & _LOW_BYTES)
    out = pairs.view(np.uint8)[:, 0::2]
    return np.ascontiguousarray(out) if copy else out


def decode_hex_ids(text: U8) -> tuple[U8, npt.NDArray[np.bool_]]:
    """``(m, 64)`` ASCII -> ``(m, 32)`` bytes and a mask of rows that are not 64 lower-case hex digits.

    A row is valid exactly when re-encoding its bytes gives back the same text
    (the lower-case encoding is the only spelling).
    """
    decoded = hex_to_bytes(text)
    bad = (encode_hex_ids(decoded) != text).any(axis=1)
    return decoded, np.asarray(bad, dtype=np.bool_)


def hex_column(rows: npt.NDArray[np.uint8], name: str = "") -> pl.Series:
    """``(m, 32)`` uint8 rows -> a String Series of 64 lower-case hex digits each."""
    parts = [
        pl.Series(name, encode_hex_ids(rows[i : i + _CHUNK]).view("S64").ravel()).cast(pl.String)
        for i in range(0, rows.shape[0], _CHUNK)
    ]
    return pl.concat(parts) if parts else pl.Series(name, [], dtype=pl.String)
