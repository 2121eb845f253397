"""Spill buckets (protocol v2): sorting a bucket and the look-up index against a naive
reference, with ids chosen to defeat the fast paths (different ids sharing their first
64 bits), repeats, zero amounts, and the per-asset leaf segments."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from solvent.tree.buckets import (
    LEAF,
    AssetLeaves,
    BucketWriter,
    sort_bucket,
    sorted_path,
    write_account_index,
)
from solvent.tree.store_v2 import ACCOUNTS_FILE, POSITIONS_FILE


def _ids(rng: np.random.Generator, n: int, *, shared_prefix: bool) -> np.ndarray:
    """``n`` distinct ids in bucket 7; with ``shared_prefix`` their first 8 bytes are equal
    in pairs, so only the later words tell them apart."""
    ids = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    ids[:, 0] = 7
    if shared_prefix:
        ids[1::2, :8] = ids[0::2, :8][: n // 2]
    return ids


def _spill(tmp_path: Path, asset: np.ndarray, ids: np.ndarray, amounts: list[int]) -> Path:
    writer = BucketWriter(tmp_path / "spill")
    limbs = np.array([[0, a] for a in amounts], dtype=np.uint64)
    writer.add(asset, ids, limbs, np.arange(1, len(amounts) + 1, dtype=np.int64))
    writer.close()
    return tmp_path / "spill"


def _holdings(rng: np.random.Generator, *, shared_prefix: bool) -> tuple[np.ndarray, np.ndarray, list[int]]:
    accounts = _ids(rng, 40, shared_prefix=shared_prefix)
    who = rng.integers(0, 40, size=120)
    asset = rng.integers(0, 3, size=120).astype(np.int16)
    key = np.unique(who * 3 + asset, return_index=True)[1]  # one row per (account, asset)
    who, asset = who[np.sort(key)], asset[np.sort(key)]
    amounts = [int(x) for x in rng.integers(0, 5, size=len(who))]  # some zeros: not leaves
    return asset, accounts[who], amounts


def _naive(asset: np.ndarray, ids: np.ndarray, amounts: list[int]) -> list[tuple[int, bytes, int]]:
    return sorted((int(a), i.tobytes(), m) for a, i, m in zip(asset, ids, amounts, strict=True) if m)


def test_a_sorted_bucket_is_the_naive_sort_even_when_ids_share_their_first_word(tmp_path: Path) -> None:
    for shared in (False, True):
        rng = np.random.default_rng(5 if shared else 6)
        asset, ids, amounts = _holdings(rng, shared_prefix=shared)
        spill = _spill(tmp_path / str(shared), asset, ids, amounts)
        found = sort_bucket(spill, 7, 3)
        expected = _naive(asset, ids, amounts)
        leaves = np.fromfile(sorted_path(spill, 7), dtype=np.uint8).reshape(-1, LEAF)
        got = [(leaf[:32].tobytes(), int.from_bytes(leaf[32:].tobytes(), "big")) for leaf in leaves]
        assert got == [(i, m) for _, i, m in expected]
        assert found.counts == tuple(sum(1 for a, _, _ in expected if a == j) for j in range(3))
        assert found.holders == len({i for _, i, _ in expected})
        assert found.repeats == ()


def test_an_id_listed_twice_for_one_asset_is_one_leaf_and_a_repeat(tmp_path: Path) -> None:
    ids = _ids(np.random.default_rng(8), 4, shared_prefix=True)
    twice = np.concatenate([ids, ids[2:3]])
    spill = _spill(tmp_path, np.zeros(5, dtype=np.int16), twice, [1, 2, 3, 4, 9])
    found = sort_bucket(spill, 7, 1)
    assert found.counts == (4,) and found.holders == 4
    assert [(r.asset, r.first_row, r.row) for r in found.repeats] == [(0, 3, 5)]


def test_the_account_index_lists_each_holder_once_with_its_positions(tmp_path: Path) -> None:
    for shared in (False, True):
        rng = np.random.default_rng(11 if shared else 12)
        asset, ids, amounts = _holdings(rng, shared_prefix=shared)
        spill = _spill(tmp_path / str(shared), asset, ids, amounts)
        found = sort_bucket(spill, 7, 3)
        counts = [(0, 0, 0)] * 7 + [found.counts]
        public = tmp_path / str(shared) / "public"
        public.mkdir()
        write_account_index(spill, counts, public)
        expected = _naive(asset, ids, amounts)
        index_of = {(a, i): k for k, (a, i) in enumerate((a, i) for a, i, _ in expected)}
        per_asset = {j: [i for a, i, _ in expected if a == j] for j in range(3)}
        holders = sorted({i for _, i, _ in expected})
        raw = np.fromfile(public / ACCOUNTS_FILE, dtype=np.uint8).reshape(-1, 40)
        positions = np.fromfile(public / POSITIONS_FILE, dtype=np.uint8).reshape(-1, 10)
        assert [r[:32].tobytes() for r in raw] == holders
        start = 0
        for row, holder in zip(raw, holders, strict=True):
            end = int.from_bytes(row[32:].tobytes(), "big")
            listed = [
                (int.from_bytes(p[:2].tobytes(), "big"), int.from_bytes(p[2:].tobytes(), "big"))
                for p in positions[start:end]
            ]
            held = sorted(a for a, i in index_of if i == holder)
            assert listed == [(a, per_asset[a].index(holder)) for a in held]
            start = end


def test_every_asset_gives_the_same_segments_as_one_asset_at_a_time(tmp_path: Path) -> None:
    counts = [(3, 0, 2), (0, 0, 0), (1, 4, 0), (0, 5, 6)]
    every = AssetLeaves.every_asset(tmp_path, counts, 3)
    for j in range(3):
        one = AssetLeaves(tmp_path, counts, j)
        assert (every[j].segments, every[j].leaf_count) == (one.segments, one.leaf_count)
