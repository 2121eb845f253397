"""Build the Merkle sum tree of spec §4 (The liabilities tree) from sorted leaves, vectorised and streaming.

Leaves are processed in chunks of ``2^c`` (a power of two, so every chunk but the
last is a complete subtree): each chunk is hashed level by level up to its subtree
root and every level's records are appended to that level's file; then the chunk
roots are folded up to the tree root.  Memory stays bounded by the chunk size
however many accounts there are, and the level files come out in order.

A record is ``hash || u128be(sums)``, so a parent's pre-image is ``0x01`` followed by
two consecutive records: one reshape, no per-node Python.  The same builder makes v1's
one tree of n sums and v2's per-asset trees of one sum: a :class:`Scheme` says what
precedes a leaf's id in its pre-image (``0x00``, or ``0x00 || lp(S)`` in v2), the padding
record of each level, and where the files go.  Sums are added as 64-bit
limbs with carries; reaching 2^128 raises SumOverflow naming the level, the index
and the asset (threat L3).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from solvent.columnar import u128
from solvent.protocol.assets import Asset
from solvent.protocol.errors import SumOverflow
from solvent.protocol.hashing import LEAF_PREFIX, MAX_HEIGHT, height_for, node_record, pad_node
from solvent.protocol.ids import lp
from solvent.protocol.proof import Root
from solvent.protocol.v2 import hashing as v2hashing
from solvent.protocol.v2.manifest import AssetRoot
from solvent.tree.bulk_hash import Hasher
from solvent.tree.store import ids_file, level_file, record_size, tree_files
from solvent.tree.store_v2 import asset_dir

__all__ = ["BuiltAssetTree", "BuiltTree", "Scheme", "build_asset_tree", "build_tree", "v1_scheme", "v2_scheme"]

U8 = npt.NDArray[np.uint8]
DEFAULT_CHUNK_LOG2 = 18
#: ``chunk(start, stop) -> (ids (m, 32) uint8, amounts (m, n, 2) uint64)`` in leaf order.
LeafSource = Callable[[int, int], tuple[U8, u128.U128]]


@dataclass(frozen=True)
class Scheme:
    """How one tree hashes and where its files go."""

    #: the bytes before a leaf's hashed id in its pre-image
    leaf_prefix: bytes
    #: sums per record: the snapshot's asset count (v1) or 1 (v2)
    n_sums: int
    #: ``pad_record(level)``: the record of the all-padding subtree of that level
    pad_record: Callable[[int], bytes]
    #: the folder of the tree files under ``public/``
    directory: str = "tree"


def v1_scheme(n_assets: int) -> Scheme:
    return Scheme(LEAF_PREFIX, n_assets, lambda level: node_record(pad_node(level, n_assets)))


def v2_scheme(symbol: str) -> Scheme:
    return Scheme(
        LEAF_PREFIX + lp(symbol.encode("ascii")),
        1,
        lambda level: v2hashing.pad_node(level, symbol).record(),
        asset_dir(symbol),
    )


@dataclass(frozen=True)
class BuiltTree:
    root: Root
    #: SHA-256 (hex) of every tree file, by its name under ``public/``.
    digests: dict[str, str]
    #: With ``compare_dir``: for each published tree file that differs from the
    #: computed one (or is longer or shorter), the index of its first wrong record.
    differences: dict[str, int]


class _Sink:
    """Where computed tree files go: written to ``out_dir``, or compared byte for byte
    with the published ones in ``compare_dir`` (the audit), and always hashed."""

    def __init__(
        self, height: int, record: int, out_dir: Path | None, compare_dir: Path | None, directory: str = "tree"
    ) -> None:
        self.names = tree_files(height, directory)
        self.record = {name: (32 if name == ids_file(directory) else record) for name in self.names}
        self.hashes = {name: hashlib.sha256() for name in self.names}
        self.offsets = dict.fromkeys(self.names, 0)
        self.files: dict[str, BinaryIO] = {}
        self.published: dict[str, BinaryIO | None] = {}
        self.differences: dict[str, int] = {}
        if out_dir is not None:
            (out_dir / directory).mkdir(parents=True, exist_ok=True)
            for name in self.names:
                self.files[name] = (out_dir / name).open("xb")
        if compare_dir is not None:
            for name in self.names:
                path = compare_dir / name
                # Only published files are compared; the caller decides what a missing one means.
                self.published[name] = path.open("rb") if path.is_file() else None

    def write(self, name: str, data: U8) -> None:
        view = np.ascontiguousarray(data).data.cast("B")
        self.hashes[name].update(view)
        f = self.files.get(name)
        if f is not None:
            f.write(view)
        published = self.published.get(name)
        if published is not None and name not in self.differences:
            theirs = published.read(len(view))
            if theirs != view:
                mine = np.frombuffer(view, dtype=np.uint8)[: len(theirs)]
                unequal = np.flatnonzero(mine != np.frombuffer(theirs, dtype=np.uint8))
                at = int(unequal[0]) if len(unequal) else len(theirs)
                self.differences[name] = (self.offsets[name] + at) // self.record[name]
        self.offsets[name] += len(view)

    def close(self) -> dict[str, str]:
        for name, published in self.published.items():
            if published is not None:
                if name not in self.differences and published.read(1):
                    self.differences[name] = self.offsets[name] // self.record[name]
                published.close()
        for f in self.files.values():
            f.close()
        return {name: h.hexdigest() for name, h in self.hashes.items()}


def _leaf_records(ids: U8, amounts: u128.U128, hasher: Hasher, prefix: bytes) -> U8:
    m, n, p = amounts.shape[0], amounts.shape[1], len(prefix)
    be = u128.to_be_bytes(amounts)
    pre = np.empty((m, p + 32 + 16 * n), dtype=np.uint8)
    pre[:, :p] = np.frombuffer(prefix, dtype=np.uint8)
    pre[:, p : p + 32] = ids
    pre[:, p + 32 :] = be
    rec = np.empty((m, 32 + 16 * n), dtype=np.uint8)
    rec[:, :32] = hasher.sha256_rows(pre)
    rec[:, 32:] = be
    return rec


class _Levels:
    """Hashes levels of records upwards, appending each new level to its file."""

    def __init__(self, assets: Sequence[Asset], hasher: Hasher, sink: _Sink, scheme: Scheme) -> None:
        self.assets = assets
        self.hasher = hasher
        self.sink = sink
        self.scheme = scheme

    def parents(self, rec: U8, sums: u128.U128, level: int, first_index: int) -> tuple[U8, u128.U128]:
        """Records and sums of ``level`` from an even number of children one level down."""
        p = rec.shape[0] // 2
        width = rec.shape[1]
        new_sums, overflow = u128.add(sums[0::2], sums[1::2])
        if overflow.any():
            row, col = (int(x[0]) for x in np.nonzero(overflow))
            symbol = self.assets[col].symbol
            raise SumOverflow(
                f"the {symbol} sum overflows 2^128 at level {level}",
                evidence={"level": level, "index": first_index + row, "asset": symbol},
            )
        pre = np.empty((p, 1 + 2 * width), dtype=np.uint8)
        pre[:, 0] = 1
        pre[:, 1:] = rec.reshape(p, 2 * width)
        out = np.empty((p, width), dtype=np.uint8)
        out[:, :32] = self.hasher.sha256_rows(pre)
        out[:, 32:] = u128.to_be_bytes(new_sums)
        return out, new_sums

    def climb(self, rec: U8, sums: u128.U128, level: int, top: int, first_index: int) -> tuple[U8, u128.U128]:
        """From records at ``level`` up to ``top``, writing every level above ``level``."""
        n = self.scheme.n_sums
        while level < top:
            if rec.shape[0] % 2:
                # Only the last, partial chunk gets here: its missing right sibling is padding.
                pad = np.frombuffer(self.scheme.pad_record(level), dtype=np.uint8).reshape(1, -1)
                rec = np.concatenate([rec, pad])
                sums = np.concatenate([sums, np.zeros((1, n, 2), dtype=np.uint64)])
            level += 1
            first_index //= 2
            rec, sums = self.parents(rec, sums, level, first_index)
            self.sink.write(level_file(level, self.scheme.directory), rec)
        return rec, sums


def build_tree(
    leaf_count: int,
    leaves: LeafSource,
    assets: Sequence[Asset],
    hasher: Hasher,
    out_dir: Path | None = None,
    *,
    compare_dir: Path | None = None,
    chunk_log2: int = DEFAULT_CHUNK_LOG2,
    scheme: Scheme | None = None,
) -> BuiltTree:
    """Hash every level of the tree; write ``tree/*.bin`` under ``out_dir`` when given,
    or compare them with the files under ``compare_dir``.

    ``leaves(start, stop)`` returns the ids and amounts of leaves ``start..stop`` in
    leaf order (strictly ascending ids: the caller sorted and checked them).
    """
    height = height_for(leaf_count)
    if height > MAX_HEIGHT:
        raise ValueError(f"{leaf_count} leaves need height {height} > {MAX_HEIGHT}")
    scheme = scheme or v1_scheme(len(assets))
    n = scheme.n_sums
    c = min(chunk_log2, height)
    chunk = 1 << c
    sink = _Sink(height, record_size(n), out_dir, compare_dir, scheme.directory)
    levels = _Levels(assets, hasher, sink, scheme)
    try:
        tops: list[U8] = []
        top_sums: list[u128.U128] = []
        for start in range(0, leaf_count, chunk):
            stop = min(start + chunk, leaf_count)
            ids, amounts = leaves(start, stop)
            if ids.shape != (stop - start, 32) or amounts.shape != (stop - start, n, 2):
                raise ValueError("leaf source returned arrays of the wrong shape")
            sink.write(ids_file(scheme.directory), ids)
            rec = _leaf_records(ids, amounts, hasher, scheme.leaf_prefix)
            sink.write(level_file(0, scheme.directory), rec)
            rec, sums = levels.climb(rec, amounts, 0, c, start)  # a leaf's sums are its amounts
            tops.append(rec)
            top_sums.append(sums)
        rec, sums = levels.climb(np.concatenate(tops), np.concatenate(top_sums), c, height, 0)
        digests = sink.close()
    except BaseException:
        sink.close()
        raise
    root_rec = rec[0].tobytes()
    assert len(root_rec) == record_size(n)
    root = Root(root_rec[:32], tuple(u128.to_ints(sums[0])), height, leaf_count)
    return BuiltTree(root, digests, dict(sink.differences))


@dataclass(frozen=True)
class BuiltAssetTree:
    """One v2 asset tree: its head, and its files' digests (or differences, when compared)."""

    root: AssetRoot
    digests: dict[str, str]
    differences: dict[str, int]


def build_asset_tree(
    asset: Asset,
    leaf_count: int,
    leaves: LeafSource,
    hasher: Hasher,
    out_dir: Path | None = None,
    *,
    compare_dir: Path | None = None,
    chunk_log2: int = DEFAULT_CHUNK_LOG2,
) -> BuiltAssetTree:
    """The v2 tree of one asset over its holders (``amounts`` of shape (m, 1, 2), all >= 1).

    An empty tree has no leaves and no nodes: its files are empty ``ids.bin`` and
    ``level-00.bin``, and its root is the padding leaf with sum 0.
    """
    scheme = v2_scheme(asset.symbol)
    if leaf_count == 0:
        sink = _Sink(0, record_size(1), out_dir, compare_dir, scheme.directory)
        digests = sink.close()
        pad = v2hashing.pad_node(0, asset.symbol)
        return BuiltAssetTree(AssetRoot(pad.hash, 0, 0, 0), digests, dict(sink.differences))
    built = build_tree(
        leaf_count, leaves, [asset], hasher, out_dir, compare_dir=compare_dir, chunk_log2=chunk_log2, scheme=scheme
    )
    root = AssetRoot(built.root.hash, built.root.sums[0], built.root.height, leaf_count)
    return BuiltAssetTree(root, built.digests, built.differences)
