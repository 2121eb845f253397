"""Property tests: random trees of 1..300 leaves and 1..8 assets, every leaf proven and verified,
and the root equal to the naive reference's (differential)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from solvent.protocol.assets import Asset
from solvent.protocol.inclusion import verify_inclusion
from solvent.tree.store import TreeReader
from tests.helpers import build, manifest_for
from tests.reference import naive

amount = st.one_of(st.just(0), st.integers(0, 10**12), st.integers(0, 2**120))


@st.composite
def trees(draw: st.DrawFn) -> tuple[list[tuple[bytes, list[int]]], tuple[Asset, ...]]:
    n_assets = draw(st.integers(1, 8))
    n_leaves = draw(st.integers(1, 300))
    ids = draw(st.lists(st.binary(min_size=32, max_size=32), min_size=n_leaves, max_size=n_leaves, unique=True))
    ids = [i if i != bytes(32) else b"\x01" * 32 for i in ids]
    accounts = [(i, [draw(amount) for _ in range(n_assets)]) for i in dict.fromkeys(ids)]
    assets = tuple(Asset(f"A{k}", draw(st.integers(0, 18))) for k in range(n_assets))
    return accounts, assets


@settings(max_examples=60, deadline=None)
@given(trees(), st.sampled_from([1, 3, 18]))
def test_every_leaf_proves_and_verifies(tree: tuple[list[tuple[bytes, list[int]]], tuple[Asset, ...]],
                                       chunk_log2: int) -> None:
    accounts, assets = tree
    with tempfile.TemporaryDirectory() as d:
        built = build(accounts, assets, Path(d), chunk_log2=chunk_log2)
        ref_hash, ref_sums = naive.root(accounts, len(assets))
        assert built.root.hash == ref_hash
        assert list(built.root.sums) == ref_sums
        manifest = manifest_for(built, assets)
        ordered = sorted(accounts)
        with TreeReader(Path(d), manifest) as reader:
            for index, (hid, amounts) in enumerate(ordered):
                assert reader.find(hid) == index
                proof = reader.proof(index)
                assert list(proof.leaf.amounts) == amounts
                result = verify_inclusion(proof, manifest)
                assert result.anchored
