"""Holdings spilled to disk by hashed-id prefix, then sorted one bucket at a time (protocol v2).

A v2 build must not hold every account in memory: 100,000,000 accounts do not fit.
Hashed ids are uniform, so the first byte of an id splits the holdings into 256
buckets of about equal size; each batch of the ledger is appended to the buckets it
touches (:class:`BucketWriter`), and each bucket is then sorted on its own
(:func:`sort_bucket`), a clean function of its input file.  Every asset's leaves in
leaf order are then the concatenation of that asset's segment of each sorted bucket,
bucket after bucket (:class:`AssetLeaves`), which the tree builder and the CSV writer
stream through.  Memory: one batch, then one bucket, then one chunk of leaves.

A spilled holding is 58 bytes: ``u16be(asset) || hashed_id || u128be(amount) ||
u64be(row)``, the row being the ledger's 1-based data row (for error messages).  A
sorted bucket holds 48-byte leaves ``hashed_id || u128be(amount)``, grouped by asset in
asset order, ids strictly ascending within each asset; zero amounts are dropped there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from solvent.columnar import u128
from solvent.columnar.hexcols import id_words
from solvent.tree.store_v2 import ACCOUNTS_FILE, POSITIONS_FILE

__all__ = [
    "ACCOUNTS_FILE",
    "BUCKETS",
    "HOLDING",
    "LEAF",
    "POSITIONS_FILE",
    "AssetLeaves",
    "BucketWriter",
    "Repeat",
    "SortedBucket",
    "bucket_of",
    "id_order",
    "sort_bucket",
    "write_account_index",
]

U8 = npt.NDArray[np.uint8]
BUCKETS = 256
HOLDING = 58
LEAF = 48


def bucket_of(ids: U8) -> npt.NDArray[np.intp]:
    """Each id's bucket: its first byte."""
    return ids[:, 0].astype(np.intp)


def holding_path(directory: Path, bucket: int) -> Path:
    return directory / f"holdings-{bucket:03d}.bin"


def sorted_path(directory: Path, bucket: int) -> Path:
    return directory / f"leaves-{bucket:03d}.bin"


class BucketWriter:
    """Appends holdings to their bucket files; one open file per bucket touched."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._files: dict[int, BinaryIO] = {}
        self.written = 0

    def add(self, asset: npt.NDArray[np.integer], ids: U8, amounts: u128.U128, rows: npt.NDArray[np.int64]) -> None:
        """``m`` holdings: asset indexes, ``(m, 32)`` ids, ``(m, 2)`` limbs, 1-based ledger rows."""
        m = ids.shape[0]
        if m == 0:
            return
        first = ids[:, 0]
        order = np.argsort(first, kind="stable")  # one byte: a radix sort, ledger order kept within a bucket
        counts = np.bincount(first, minlength=BUCKETS)
        rec = np.empty((m, HOLDING), dtype=np.uint8)
        rec[:, 0:2] = asset[order].astype(">u2").view(np.uint8).reshape(m, 2)
        rec[:, 2:34] = ids[order]
        rec[:, 34:50] = u128.to_be_bytes(amounts[order].reshape(m, 1, 2)).reshape(m, 16)
        rec[:, 50:58] = rows[order].astype(">u8").view(np.uint8).reshape(m, 8)
        start = 0
        for b in np.flatnonzero(counts).tolist():
            stop = start + int(counts[b])
            f = self._files.get(b)
            if f is None:
                f = self._files[b] = holding_path(self.directory, b).open("ab")
            f.write(rec[start:stop].data)
            start = stop
        self.written += m

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()


@dataclass(frozen=True)
class Repeat:
    """The same account listed twice for one asset (two ledger rows)."""

    asset: int
    first_row: int
    row: int


@dataclass(frozen=True)
class SortedBucket:
    """What sorting one bucket found: leaves per asset, holders, repeats."""

    bucket: int
    counts: tuple[int, ...]
    holders: int
    repeats: tuple[Repeat, ...] = field(default=())


def sort_bucket(directory: Path, bucket: int, n_assets: int, *, max_repeats: int = 10) -> SortedBucket:
    """Sort one bucket's holdings into its leaves file (by asset, then id), drop zero
    amounts, and report ids listed twice for one asset.  A clean unit of work: it reads
    ``holdings-BBB.bin`` and writes ``leaves-BBB.bin``, nothing else."""
    source = holding_path(directory, bucket)
    raw = np.fromfile(source, dtype=np.uint8) if source.exists() else np.zeros(0, dtype=np.uint8)
    rec = raw.reshape(-1, HOLDING)
    del raw
    asset = rec[:, 0:2].copy().view(">u2").ravel()
    words = id_words(np.ascontiguousarray(rec[:, 2:34]))
    order = _asset_id_order(asset, words)
    rec, asset, words = rec[order], asset[order].astype(np.int64), words[order]
    same = (asset[1:] == asset[:-1]) & np.all(words[1:] == words[:-1], axis=1)
    repeats = tuple(
        Repeat(int(asset[i + 1]), int(_row(rec[i])), int(_row(rec[i + 1])))
        for i in np.flatnonzero(same)[:max_repeats].tolist()
    )
    nonzero = np.any(rec[:, 34:50] != 0, axis=1)
    if same.any():
        nonzero[1:] &= ~same  # the second listing is an error anyway; never a second leaf
    leaves = rec[nonzero][:, 2:50]
    counts = np.bincount(asset[nonzero], minlength=n_assets)
    held = words[nonzero]
    holders = _distinct_rows(held)
    np.ascontiguousarray(leaves).tofile(sorted_path(directory, bucket))
    return SortedBucket(bucket, tuple(int(c) for c in counts[:n_assets]), holders, repeats)


def _asset_id_order(asset: npt.NDArray[np.uint16], words: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """The stable permutation that sorts holdings by (asset, id).

    Two sorts in the common case: by the id's first 64 bits (stable, so one account's
    rows keep their ledger order), then by asset (16 bits: a radix sort).  Only when two
    different ids of one asset share their first 64 bits (astronomically rare for
    hashed ids) are all four words sorted on, least significant first.
    """
    order = np.argsort(words[:, 0], kind="stable")
    order = order[np.argsort(asset[order], kind="stable")]
    a, w = asset[order], words[order]
    tie = (a[1:] == a[:-1]) & (w[1:, 0] == w[:-1, 0])
    if not np.any(tie & np.any(w[1:, 1:] != w[:-1, 1:], axis=1)):
        return order
    order = np.argsort(words[:, 3], kind="stable")
    for k in (2, 1, 0):
        order = order[np.argsort(words[order, k], kind="stable")]
    return order[np.argsort(asset[order], kind="stable")]


def id_order(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """The stable permutation that sorts ids (rows of four words) ascending: on the first
    word alone unless two different ids share it."""
    order = np.argsort(words[:, 0], kind="stable")
    w = words[order]
    if not np.any((w[1:, 0] == w[:-1, 0]) & np.any(w[1:, 1:] != w[:-1, 1:], axis=1)):
        return order
    order = np.argsort(words[:, 3], kind="stable")
    for k in (2, 1, 0):
        order = order[np.argsort(words[order, k], kind="stable")]
    return order


def _row(record: U8) -> int:
    return int.from_bytes(record[50:58].tobytes(), "big")


def _distinct_rows(words: npt.NDArray[np.uint64]) -> int:
    """How many distinct ids (rows of four 64-bit words) there are."""
    if words.shape[0] == 0:
        return 0
    w = words[np.argsort(words[:, 0])]
    tie = w[1:, 0] == w[:-1, 0]
    if np.any(tie & np.any(w[1:, 1:] != w[:-1, 1:], axis=1)):
        # Different ids share their first 64 bits: order on all four words.
        w = words[np.lexsort((words[:, 3], words[:, 2], words[:, 1], words[:, 0]))]
        return 1 + int(np.count_nonzero(np.any(w[1:] != w[:-1], axis=1)))
    return 1 + int(np.count_nonzero(~tie))


class AssetLeaves:
    """One asset's leaves in leaf order, read from the sorted buckets as the builder asks.

    ``counts[b][j]`` is the number of leaves of asset ``j`` in bucket ``b``; asset ``j``'s
    segment of bucket ``b`` starts after the leaves of assets ``0..j-1``.
    """

    def __init__(self, directory: Path, counts: Sequence[Sequence[int]], asset: int) -> None:
        self.directory = directory
        self.segments: list[tuple[int, int, int]] = []  # (bucket, first record in file, leaves)
        for b, row in enumerate(counts):
            if row[asset]:
                self.segments.append((b, sum(row[:asset]), row[asset]))
        self.leaf_count = sum(n for _, _, n in self.segments)

    @classmethod
    def every_asset(cls, directory: Path, counts: Sequence[Sequence[int]], n_assets: int) -> list[AssetLeaves]:
        """The leaves of each of ``n_assets`` assets, with NumPy (many assets, many buckets)."""
        table = np.asarray(counts, dtype=np.int64).reshape(-1, n_assets)
        firsts = np.cumsum(table, axis=1) - table
        out = []
        for j in range(n_assets):
            leaves = cls.__new__(cls)
            leaves.directory = directory
            held = np.flatnonzero(table[:, j])
            leaves.segments = list(zip(held.tolist(), firsts[held, j].tolist(), table[held, j].tolist(), strict=True))
            leaves.leaf_count = int(table[:, j].sum())
            out.append(leaves)
        return out

    def __call__(self, start: int, stop: int) -> tuple[U8, u128.U128]:
        """Leaves ``start..stop``: ``(k, 32)`` ids and ``(k, 1, 2)`` limbs."""
        parts: list[U8] = []
        at = 0
        for b, first, n in self.segments:
            lo, hi = max(start, at), min(stop, at + n)
            if lo < hi:
                with sorted_path(self.directory, b).open("rb") as f:
                    f.seek((first + lo - at) * LEAF)
                    parts.append(np.frombuffer(f.read((hi - lo) * LEAF), dtype=np.uint8).reshape(-1, LEAF))
            at += n
            if at >= stop:
                break
        leaves = np.concatenate(parts) if parts else np.zeros((0, LEAF), dtype=np.uint8)
        ids = np.ascontiguousarray(leaves[:, :32])
        be = np.ascontiguousarray(leaves[:, 32:48]).view(">u8").reshape(-1, 1, 2)
        return ids, be.astype(np.uint64)


ACCOUNT = 40
POSITION = 10


def write_account_index(directory: Path, counts: Sequence[Sequence[int]], public: Path) -> dict[str, str]:
    """The look-up index of a v2 snapshot, from the sorted buckets; returns the two files' SHA-256.

    ``tree/accounts.bin``: every holder's hashed id, ascending, each with ``u64be(end)``: its
    positions are ``positions[end_of_previous:end]``.  ``tree/positions.bin``: ``u16be(asset)
    || u64be(index)`` per holding, assets in manifest order.  A proof is then one search
    in accounts.bin, one read of positions, and each held asset's path.
    """
    n_assets = len(counts[0]) if counts else 0
    base = np.zeros(n_assets, dtype=np.int64)  # leaves of each asset in earlier buckets
    end = 0
    digests = {ACCOUNTS_FILE: hashlib.sha256(), POSITIONS_FILE: hashlib.sha256()}
    (public / "tree").mkdir(parents=True, exist_ok=True)
    with (public / ACCOUNTS_FILE).open("xb") as accounts, (public / POSITIONS_FILE).open("xb") as positions:
        for b, row in enumerate(counts):
            row_counts = np.asarray(row, dtype=np.int64)
            m = int(row_counts.sum())
            if m:
                leaves = np.fromfile(sorted_path(directory, b), dtype=np.uint8).reshape(-1, LEAF)
                asset = np.repeat(np.arange(n_assets, dtype=np.int64), row_counts)
                starts = np.concatenate([[0], np.cumsum(row_counts)[:-1]])
                index = base[asset] + (np.arange(m, dtype=np.int64) - starts[asset])
                words = id_words(np.ascontiguousarray(leaves[:, :32]))
                order = id_order(words)  # stable: one account's holdings stay in asset order
                ids = leaves[order, :32]
                w = words[order]
                first = np.ones(m, dtype=np.bool_)
                first[1:] = np.any(w[1:] != w[:-1], axis=1)
                pos = np.empty((m, POSITION), dtype=np.uint8)
                pos[:, 0:2] = asset[order].astype(">u2").view(np.uint8).reshape(m, 2)
                pos[:, 2:10] = index[order].astype(">u8").view(np.uint8).reshape(m, 8)
                ends = end + np.flatnonzero(np.append(first[1:], True)) + 1
                acc = np.empty((int(first.sum()), ACCOUNT), dtype=np.uint8)
                acc[:, :32] = ids[first]
                acc[:, 32:40] = ends.astype(">u8").view(np.uint8).reshape(-1, 8)
                for f, data in ((accounts, acc), (positions, pos)):
                    view = np.ascontiguousarray(data).data
                    f.write(view)
                    digests[ACCOUNTS_FILE if f is accounts else POSITIONS_FILE].update(view)
                end += m
            base += row_counts
    return {name: h.hexdigest() for name, h in digests.items()}
