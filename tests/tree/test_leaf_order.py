"""The leaf order: ascending by all 32 bytes, duplicates refused, ties on the first 64 bits handled."""

from __future__ import annotations

import numpy as np
import pytest

from solvent.protocol.errors import OrderViolation
from solvent.tree.bulk_ids import leaf_order


def _rows(ids: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(ids), dtype=np.uint8).reshape(-1, 32)


def test_sorted_like_bytes() -> None:
    rng = np.random.default_rng(7)
    ids = [bytes(rng.integers(0, 256, 32, dtype=np.uint8)) for _ in range(5000)]
    order = leaf_order(_rows(ids))
    assert [ids[i] for i in order] == sorted(ids)


def test_ties_in_the_first_64_bits_are_ordered_by_the_rest() -> None:
    prefix = b"\x05" * 8
    ids = [prefix + bytes([b]) * 24 for b in (9, 3, 7, 1)] + [b"\x00" * 32, b"\xff" * 32]
    order = leaf_order(_rows(ids))
    assert [ids[i] for i in order] == sorted(ids)


@pytest.mark.parametrize("same_prefix", [False, True])
def test_duplicates_are_refused_naming_both_rows(same_prefix: bool) -> None:
    ids = [b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, b"\x02" * 32]
    if same_prefix:
        ids.append(b"\x02" * 8 + b"\x09" * 24)
    with pytest.raises(OrderViolation) as e:
        leaf_order(_rows(ids))
    assert e.value.evidence["rows"] == "2,4"
