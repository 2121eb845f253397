"""Small builders shared by tests: a tree from (hashed_id, amounts) pairs, on disk."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from solvent.columnar import u128
from solvent.protocol.assets import Asset
from solvent.protocol.manifest import Manifest
from solvent.tree.builder import BuiltTree, build_tree
from solvent.tree.bulk_hash import Hasher, get_hasher
from solvent.tree.bulk_ids import leaf_order


def arrays(accounts: Sequence[tuple[bytes, Sequence[int]]], n_assets: int) -> tuple[np.ndarray, np.ndarray]:
    ids = np.frombuffer(b"".join(a[0] for a in accounts), dtype=np.uint8).reshape(-1, 32)
    amounts = np.stack([u128.from_ints(list(a[1])) for a in accounts]) if accounts else np.zeros((0, n_assets, 2))
    return ids, amounts.astype(np.uint64)


def build(
    accounts: Sequence[tuple[bytes, Sequence[int]]],
    assets: Sequence[Asset],
    out_dir: Path | None = None,
    hasher: Hasher | None = None,
    chunk_log2: int = 18,
) -> BuiltTree:
    ids, amounts = arrays(accounts, len(assets))
    order = leaf_order(ids)
    return build_tree(
        len(accounts),
        lambda s, e: (ids[order[s:e]], amounts[order[s:e]]),
        assets,
        hasher or get_hasher("hashlib"),
        out_dir,
        chunk_log2=chunk_log2,
    )


def manifest_for(tree: BuiltTree, assets: Sequence[Asset], snapshot_id: str = "test") -> Manifest:
    return Manifest("Test Exchange", snapshot_id, "2026-11-23T00:00:00Z", tuple(assets), tree.root, dict(tree.digests))
