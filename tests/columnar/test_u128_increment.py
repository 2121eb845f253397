"""u128.increment: +1 with a carry between limbs and overflow reported, never wrapped."""

from __future__ import annotations

import numpy as np

from solvent.columnar import u128


def test_increment_carries_and_reports_overflow() -> None:
    values = [0, 2**64 - 1, 2**128 - 1, 5]
    limbs = u128.from_ints(values)
    out, overflow = u128.increment(limbs, np.array([True, True, True, False]))
    assert u128.to_ints(out[:2]) == [1, 2**64]
    assert overflow.tolist() == [False, False, True, False]
    assert u128.to_ints(out[3:]) == [5]
    assert u128.to_ints(limbs) == values  # the input is not modified
