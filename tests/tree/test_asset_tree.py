"""v2 per-asset trees from the vectorised builder: the KAT v2 trees and random sparse
holdings, compared with the naive reference, with every hashing backend."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvent.columnar import u128
from solvent.protocol.assets import Asset
from solvent.tree.builder import build_asset_tree
from solvent.tree.bulk_hash import available_backends, get_hasher
from solvent.tree.store import level_count, level_file, tree_files
from tests.reference import naive_v2

KAT = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v2.json").read_text(encoding="utf-8"))


def _build(asset: Asset, holdings: list[tuple[bytes, int]], backend: str, out: Path | None, chunk_log2: int = 18):
    ordered = sorted(holdings)
    ids = np.frombuffer(b"".join(h for h, _ in ordered), dtype=np.uint8).reshape(-1, 32)
    amounts = u128.from_ints([a for _, a in ordered]).reshape(-1, 1, 2) if ordered else np.zeros((0, 1, 2), np.uint64)
    return build_asset_tree(
        asset, len(ordered), lambda s, e: (ids[s:e], amounts[s:e]), get_hasher(backend), out, chunk_log2=chunk_log2
    )


@pytest.mark.parametrize("backend", available_backends())
@pytest.mark.parametrize("spec", KAT["assets"], ids=lambda a: a["symbol"])
def test_kat_v2_trees_and_their_files(spec: dict, backend: str, tmp_path: Path) -> None:
    asset = Asset(spec["symbol"], spec["decimals"])
    holdings = [
        (bytes.fromhex(a["hashed_id"]), int(a["balances"][asset.symbol]))
        for a in KAT["accounts"]
        if asset.symbol in a["balances"]
    ]
    built = _build(asset, holdings, backend, tmp_path, chunk_log2=1)
    expected = next(a["root"] for a in KAT["manifest"]["assets"] if a["symbol"] == asset.symbol)
    assert built.root.to_dict() == expected
    directory = f"tree/{asset.symbol}"
    assert sorted(built.digests) == sorted(tree_files(built.root.height, directory))
    for k, level in enumerate(KAT["trees"][asset.symbol]["levels"] if holdings else []):
        raw = (tmp_path / level_file(k, directory)).read_bytes()
        assert len(raw) == 48 * level_count(k, len(holdings))
        records = [{"hash": raw[i : i + 32].hex(), "sum": str(int.from_bytes(raw[i + 32 : i + 48], "big"))}
                   for i in range(0, len(raw), 48)]
        assert records == level


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        # amounts up to 2^120: 40 of them stay below 2^128 (an overflow is tested on its own)
        st.tuples(st.binary(min_size=32, max_size=32).filter(any), st.integers(1, 2**120)),
        max_size=40,
        unique_by=lambda t: t[0],
    ),
    st.integers(0, 4),
)
def test_random_holdings_match_the_naive_reference(holdings: list[tuple[bytes, int]], chunk_log2: int) -> None:
    asset = Asset("X", 8)
    built = _build(asset, holdings, "hashlib", None, chunk_log2=chunk_log2)
    root_hash, root_sum = naive_v2.levels("X", holdings)[-1][0]
    assert (built.root.hash, built.root.sum) == (root_hash, root_sum)
    assert built.root.leaf_count == len(holdings)
