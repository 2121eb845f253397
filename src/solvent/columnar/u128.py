"""Unsigned 128-bit amounts as NumPy arrays of two 64-bit limbs.

NumPy has no 128-bit integer and Polars' ``Int128`` wraps silently, so every
vectorised amount in solvent is an array of shape ``(..., 2)`` and dtype uint64
holding ``[hi, lo]``: ``value = hi * 2^64 + lo``.  Additions carry between limbs and
report overflow instead of wrapping (threat L3).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

__all__ = ["U128", "add", "from_ints", "increment", "to_be_bytes", "to_ints", "total"]

U128 = npt.NDArray[np.uint64]
_MASK = (1 << 64) - 1


def add(a: U128, b: U128) -> tuple[U128, npt.NDArray[np.bool_]]:
    """Element-wise ``a + b`` and a mask of the elements that reached 2^128."""
    lo = a[..., 1] + b[..., 1]
    carry = (lo < a[..., 1]).astype(np.uint64)
    hi_partial = a[..., 0] + b[..., 0]
    overflow = hi_partial < a[..., 0]
    hi = hi_partial + carry
    overflow |= hi < hi_partial
    return np.stack([hi, lo], axis=-1), overflow


def to_be_bytes(a: U128) -> npt.NDArray[np.uint8]:
    """``(m, n, 2)`` limbs -> ``(m, 16 n)`` bytes: ``u128be(a[i, 0]) || ... || u128be(a[i, n-1])``."""
    m = a.shape[0]
    return np.ascontiguousarray(a, dtype=">u8").view(np.uint8).reshape(m, -1)


def from_ints(values: Iterable[int]) -> U128:
    """Python ints in ``[0, 2^128)`` -> a ``(k, 2)`` limb array."""
    pairs = []
    for v in values:
        if not 0 <= v < 1 << 128:
            raise ValueError(f"{v} is outside [0, 2^128)")
        pairs.append((v >> 64, v & _MASK))
    return np.array(pairs, dtype=np.uint64).reshape(-1, 2)


def to_ints(a: U128) -> list[int]:
    """A ``(k, 2)`` limb array -> Python ints."""
    flat = np.asarray(a, dtype=np.uint64).reshape(-1, 2)
    return [(int(hi) << 64) | int(lo) for hi, lo in flat.tolist()]


def total(a: U128) -> list[int]:
    """Exact column totals of an ``(m, n, 2)`` array as Python ints (may exceed 2^128)."""
    # Sum the 32-bit quarters separately: a column sum of up to 2^32 rows of 32-bit
    # values fits in uint64; longer columns are summed 2^32 rows at a time.
    out = []
    block = 1 << 32
    for col in range(a.shape[1]):
        total_ = 0
        for start in range(0, a.shape[0], block):
            hi = a[start : start + block, col, 0]
            lo = a[start : start + block, col, 1]
            total_ += int((lo & 0xFFFFFFFF).sum(dtype=np.uint64))
            total_ += int((lo >> np.uint64(32)).sum(dtype=np.uint64)) << 32
            total_ += int((hi & 0xFFFFFFFF).sum(dtype=np.uint64)) << 64
            total_ += int((hi >> np.uint64(32)).sum(dtype=np.uint64)) << 96
        out.append(total_)
    return out


def increment(a: U128, mask: npt.NDArray[np.bool_]) -> tuple[U128, npt.NDArray[np.bool_]]:
    """``a + 1`` where ``mask`` is set (``a`` unchanged elsewhere), and a mask of the elements that reached 2^128."""
    one = np.zeros_like(a)
    one[..., 1] = mask.astype(np.uint64)
    return add(a, one)
