"""Exact decimal parsing and the exchanges' printing rules, against the standard decimal module."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solvent.formats.exchange_decimals import LIMIT, SCALE, fixed, parse_amount, plain, round_down
from solvent.protocol.errors import FormatError

amounts = st.decimals(min_value=-(10**15), max_value=10**15, places=12, allow_nan=False, allow_infinity=False)


def units(d: Decimal) -> int:
    return int(d.scaleb(SCALE))


@given(amounts)
def test_parse_is_exact(d: Decimal) -> None:
    assert parse_amount(format(d, "f"), "x") == units(d)


@given(amounts)
def test_plain_matches_stripped_plain_string(d: Decimal) -> None:
    expected = "0" if d == 0 else format(d.normalize(), "f")
    assert plain(units(d)) == expected


@given(amounts)
def test_round_down_and_fixed_match_java_set_scale_down(d: Decimal) -> None:
    expected = format(d.quantize(Decimal("0.00000001"), rounding=ROUND_DOWN), "f")
    if expected.startswith("-") and Decimal(expected) == 0:
        expected = expected[1:]  # Java has no negative zero
    assert fixed(round_down(units(d), 8), 8) == expected


def test_round_down_truncates_towards_zero() -> None:
    assert round_down(parse_amount("-1.123456789", "x"), 8) == parse_amount("-1.12345678", "x")
    assert round_down(parse_amount("1.999999999", "x"), 8) == parse_amount("1.99999999", "x")


def test_sums_stay_exact_where_floats_would_not() -> None:
    assert parse_amount("0.1", "x") + parse_amount("0.2", "x") == parse_amount("0.3", "x")
    dust = sum(parse_amount("0.00000001", "x") for _ in range(10**5))
    assert plain(dust) == "0.001"


@pytest.mark.parametrize(
    "text",
    ["", " 1", "1 ", "+1", "1e-9", "1E5", "NaN", "Infinity", ".5", "5.", "1,5", "0x10", "1.0000000000000000001"],
)
def test_bad_decimals_are_format_errors_naming_the_field(text: str) -> None:
    with pytest.raises(FormatError) as e:
        parse_amount(text, "path[3].balances.BTC")
    assert "path[3].balances.BTC" in str(e.value)


@pytest.mark.parametrize("value", [1.5, 2, True, None, ["1"]])
def test_non_strings_are_rejected(value: object) -> None:
    with pytest.raises(FormatError, match="expected a decimal string"):
        parse_amount(value, "x")


def test_range_is_checked_both_ways() -> None:
    top = str(LIMIT // 10**SCALE + 1)
    with pytest.raises(FormatError) as e:
        parse_amount(top, "x")
    assert e.value.code == "range"
    with pytest.raises(FormatError):
        parse_amount("-" + top, "x")
    assert parse_amount(str(LIMIT // 10**SCALE - 1), "x") > 0
