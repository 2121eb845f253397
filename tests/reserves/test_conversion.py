"""Conversion of chain base units to snapshot base units: exact, rounding down."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solvent.protocol.errors import FormatError
from solvent.reserves.conversion import to_snapshot_units


def test_wei_to_eight_decimals_rounds_down() -> None:
    # 1.234567891 ETH = 1234567891000000000 wei -> 123456789 (8 decimals); 1000000000 wei dropped
    c = to_snapshot_units(1_234_567_891_000_000_000, 18, 8)
    assert (c.amount, c.dropped) == (123_456_789, 1_000_000_000)


def test_six_to_eight_decimals_scales_up_exactly() -> None:
    assert to_snapshot_units(1_500_000, 6, 8).amount == 150_000_000  # 1.5 USDT


def test_one_wei_short_of_a_unit_counts_nothing() -> None:
    assert to_snapshot_units(10**10 - 1, 18, 8).amount == 0


@given(st.integers(0, 2**200), st.integers(0, 30), st.integers(0, 18))
def test_never_overstates(chain_amount: int, chain_decimals: int, snapshot_decimals: int) -> None:
    try:
        c = to_snapshot_units(chain_amount, chain_decimals, snapshot_decimals)
    except FormatError:
        return  # out of the 2^128 range: refused, never wrapped
    # value in snapshot units <= value on chain < value + one snapshot unit (compared at a common scale)
    scale = 10 ** max(chain_decimals, snapshot_decimals)
    snap = c.amount * scale // 10**snapshot_decimals
    chain = chain_amount * scale // 10**chain_decimals
    assert snap <= chain < snap + scale // 10**snapshot_decimals
    if chain_decimals > snapshot_decimals:  # nothing is lost silently: amount and dropped add up
        assert c.amount * 10 ** (chain_decimals - snapshot_decimals) + c.dropped == chain_amount
    else:
        assert c.dropped == 0


def test_out_of_range_is_refused() -> None:
    with pytest.raises(FormatError):
        to_snapshot_units(2**128, 8, 8)
    with pytest.raises(FormatError):
        to_snapshot_units(-1, 8, 8)
