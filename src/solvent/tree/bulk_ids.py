"""Hashed client ids for a whole ledger at once, and the leaf order.

Spec §3 (Hashed client ids) and §4 (The liabilities tree).

The per-row work is two HMACs, done in batches by a :class:`~solvent.tree.bulk_hash.Hasher`
over the uids' UTF-8 bytes laid end to end, so no per-row message is built in Python.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from solvent.columnar.hexcols import id_words
from solvent.protocol.errors import InputError, OrderViolation
from solvent.protocol.ids import HCID_TAG, USER_SECRET_TAG, check_snapshot_id, lp
from solvent.tree.bulk_hash import Hasher

__all__ = ["derive_ids", "leaf_order", "uid_bytes"]

U8 = npt.NDArray[np.uint8]


def uid_bytes(uids: pl.Series) -> tuple[U8, npt.NDArray[np.int64]]:
    """The UTF-8 bytes of every uid end to end, and ``len(uids) + 1`` offsets."""
    lengths = uids.str.len_bytes().to_numpy().astype(np.int64, copy=False)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    joined = uids.str.join("").item() if len(uids) else ""
    data = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    if len(data) != offsets[-1]:
        raise InputError("uid bytes do not add up; the uid column is not plain UTF-8 text")
    return data, offsets


def derive_ids(master_key: bytes, snapshot_id: str, uids: pl.Series, hasher: Hasher) -> tuple[U8, U8]:
    """Every account's user secret and hashed id, as two ``(m, 32)`` arrays in input order."""
    if len(master_key) != 32:
        raise InputError("the master key must be 32 bytes")
    data, offsets = uid_bytes(uids)
    secrets = hasher.hmac_lp(master_key, lp(USER_SECRET_TAG), data, offsets)
    prefix = lp(HCID_TAG) + lp(check_snapshot_id(snapshot_id).encode("ascii"))
    ids = hasher.hmac_lp(secrets, prefix, data, offsets)
    return secrets, ids


def leaf_order(ids: U8) -> npt.NDArray[np.int64]:
    """The permutation that sorts ids ascending (bytes order); duplicates are an error.

    Sorting on the first 64 bits is enough for all but astronomically rare inputs;
    when two prefixes tie, the full 256-bit order decides.
    """
    m = ids.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    words = id_words(ids)
    order = np.argsort(words[:, 0])
    first = np.take(words[:, 0], order)
    if not np.any(first[1:] == first[:-1]):
        return order.astype(np.int64, copy=False)  # distinct first words: sorted and unique
    order = np.lexsort((words[:, 3], words[:, 2], words[:, 1], words[:, 0]))
    ordered = np.take(words, order, axis=0)
    same = np.all(ordered[1:] == ordered[:-1], axis=1)
    if np.any(same):
        at = int(np.flatnonzero(same)[0])
        raise OrderViolation(
            "two accounts have the same hashed id",
            evidence={
                "rows": f"{int(order[at]) + 1},{int(order[at + 1]) + 1}",
                "hashed_id": ids[order[at]].tobytes().hex(),
            },
        )
    return order.astype(np.int64, copy=False)
