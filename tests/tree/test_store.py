"""TreeReader look-ups: every id found, absent ids not, whatever the id distribution."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from solvent.protocol.assets import Asset
from solvent.tree.store import TreeReader
from tests.helpers import build, manifest_for

BTC = (Asset("BTC", 8),)


def _uniform(n: int) -> list[bytes]:
    return [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]


def _same_prefix(n: int) -> list[bytes]:
    """Every id shares its first 8 bytes: interpolation learns nothing, bisection must finish."""
    return [b"\x42" * 8 + hashlib.sha256(i.to_bytes(4, "big")).digest()[:24] for i in range(n)]


def _skewed(n: int) -> list[bytes]:
    """Exponentially spaced ids: interpolation overshoots badly."""
    return [(1 << (i % 250 + 5) | i).to_bytes(32, "big") for i in range(n)]


@pytest.mark.parametrize("make", [_uniform, _same_prefix, _skewed], ids=["uniform", "same-prefix", "skewed"])
@pytest.mark.parametrize("n", [1, 2, 3, 17, 1000])
def test_find_every_id_and_no_other(tmp_path: Path, make, n: int) -> None:
    ids = sorted(set(make(n)))
    built = build([(i, [1]) for i in ids], BTC, tmp_path)
    with TreeReader(tmp_path, manifest_for(built, BTC)) as reader:
        for index, hashed_id in enumerate(ids):
            assert reader.find(hashed_id) == index
        for hashed_id in ids[:50]:
            neighbour = (int.from_bytes(hashed_id, "big") + 1).to_bytes(32, "big")
            if neighbour not in ids:
                assert reader.find(neighbour) is None
        assert reader.find(bytes(32)) is None
        assert reader.find(b"\xff" * 32) is None


def test_sizes_of_tree_files_are_checked(tmp_path: Path) -> None:
    ids = _uniform(10)
    built = build([(i, [1]) for i in ids], BTC, tmp_path)
    with (tmp_path / "tree" / "ids.bin").open("ab") as f:
        f.write(b"\x00")
    from solvent.protocol.errors import FormatError

    with TreeReader(tmp_path, manifest_for(built, BTC)) as reader, pytest.raises(FormatError):
        reader.find(ids[0])
