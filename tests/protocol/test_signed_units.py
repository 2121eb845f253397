"""format_signed_units: a surplus or shortfall in asset units, exact and signed."""

from __future__ import annotations

import pytest

from solvent.protocol.amounts import AMOUNT_LIMIT, format_signed_units
from solvent.protocol.errors import FormatError


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0, 8, "0.00000000"),
        (150_000_000, 8, "1.50000000"),
        (-150_000_000, 8, "-1.50000000"),
        (-1, 8, "-0.00000001"),
        (-1, 0, "-1"),
        (-12_345, 2, "-123.45"),
        (-(AMOUNT_LIMIT - 1), 0, "-340282366920938463463374607431768211455"),
    ],
)
def test_sign_then_magnitude(value: int, decimals: int, text: str) -> None:
    assert format_signed_units(value, decimals) == text


@pytest.mark.parametrize("value", [AMOUNT_LIMIT, -AMOUNT_LIMIT])
def test_magnitude_outside_the_amount_range_is_refused(value: int) -> None:
    with pytest.raises(FormatError):
        format_signed_units(value, 2)
