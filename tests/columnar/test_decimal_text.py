"""The vectorised decimal codec agrees with the per-value reference functions of the spec core.

``parse_units`` / ``format_units`` (solvent.protocol.amounts) are the definition; every
property here compares whole columns against them value by value.
"""

from __future__ import annotations

import io

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solvent.columnar import u128
from solvent.columnar.decimal_text import (
    Status,
    describe,
    format_limbs,
    limbs_to_csv_series,
    parse_texts,
)
from solvent.protocol.amounts import AMOUNT_LIMIT, format_units, parse_units
from solvent.protocol.errors import InputError

LIMIT = AMOUNT_LIMIT
EDGES = [0, 1, 9, 10, 2**63, 2**64 - 1, 2**64, 2**64 + 1, 10**19, 10**37, 10**38 - 1, 10**38, LIMIT - 2, LIMIT - 1]

# Values clustered where limb and type boundaries are: around 2^64, 10^38 and 2^128.
amounts = st.one_of(
    st.integers(0, LIMIT - 1),
    st.integers(0, 2**64 + 1000),
    st.sampled_from(EDGES),
    st.builds(
        lambda b, k: min(max(b + k, 0), LIMIT - 1), st.sampled_from([2**64, 10**38, LIMIT]), st.integers(-1000, 1000)
    ),
    st.builds(lambda e: 10**e, st.integers(0, 38)),
)
decimals = st.integers(0, 18)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference_parse(text: str | None, d: int, round_up: bool) -> int | None:
    if text is None:
        return None
    try:
        return parse_units(text, d, round_up=round_up)
    except InputError:
        return None


def check_against_reference(texts: list[str | None], d: int, round_up: bool) -> None:
    parsed = parse_texts(pl.Series(texts, dtype=pl.String), d, round_up=round_up)
    got = u128.to_ints(parsed.limbs)
    for text, value, status in zip(texts, got, parsed.status.tolist(), strict=True):
        expected = reference_parse(text, d, round_up)
        if expected is None:
            assert status != Status.OK, (text, d, value)
            assert value == 0
        else:
            assert status == Status.OK, (text, d, Status(status))
            assert value == expected, (text, d)


# -- limbs -> text ---------------------------------------------------------------------


@SETTINGS
@given(st.lists(amounts, min_size=1, max_size=40), decimals)
def test_format_limbs_is_format_units(values: list[int], d: int) -> None:
    text = format_limbs(u128.from_ints(values), d).to_list()
    assert text == [format_units(v, d) for v in values]


@SETTINGS
@given(st.lists(amounts, min_size=1, max_size=40), decimals)
def test_csv_column_prints_as_format_units(values: list[int], d: int) -> None:
    column = limbs_to_csv_series(u128.from_ints(values), d, name="X")
    buf = io.BytesIO()
    pl.DataFrame([column]).write_csv(buf, include_header=False, quote_style="never", line_terminator="\n")
    assert buf.getvalue().decode().split("\n")[:-1] == [format_units(v, d) for v in values]


@pytest.mark.parametrize("d", [0, 1, 8, 18])
def test_format_edges(d: int) -> None:
    assert format_limbs(u128.from_ints(EDGES), d).to_list() == [format_units(v, d) for v in EDGES]


def test_format_examples() -> None:
    # Written out by hand from spec §6, independent of format_units.
    limbs = u128.from_ints([0, 1, 12345678, 150000000, 2100000000])
    assert format_limbs(limbs, 8).to_list() == ["0.00000000", "0.00000001", "0.12345678", "1.50000000", "21.00000000"]
    assert format_limbs(limbs, 0).to_list() == ["0", "1", "12345678", "150000000", "2100000000"]
    assert format_limbs(u128.from_ints([LIMIT - 1]), 0).to_list() == [str(LIMIT - 1)]


# -- text -> limbs ---------------------------------------------------------------------


def spellings(value: int, d: int, draw_zeros: int, trim: bool) -> str:
    """One way of writing ``value`` base units (any size, even >= 2^128) in asset units."""
    digits = str(value).rjust(d + 1, "0")
    text = f"{digits[:-d]}.{digits[-d:]}" if d else digits
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" * draw_zeros + text


# Just past the top: 2^128 and beyond must be range errors, never wrap around.
too_large = st.one_of(st.integers(LIMIT, LIMIT + 10**6), st.integers(LIMIT, 2**140))
any_amount = st.one_of(amounts, too_large)


@SETTINGS
@given(
    st.lists(st.tuples(any_amount, st.integers(0, 3), st.booleans()), min_size=1, max_size=30), decimals, st.booleans()
)
def test_parse_spellings(items: list[tuple[int, int, bool]], d: int, round_up: bool) -> None:
    texts: list[str | None] = [spellings(v, d, z, trim) for v, z, trim in items]
    check_against_reference(texts, d, round_up)


noise = st.text(alphabet="0123456789.-+eE nNaIf_,\t\u0661\uff11", max_size=12)


@SETTINGS
@given(st.lists(st.one_of(noise, st.none()), min_size=1, max_size=30), decimals, st.booleans())
def test_parse_arbitrary_text(texts: list[str | None], d: int, round_up: bool) -> None:
    check_against_reference(texts, d, round_up)


@SETTINGS
@given(
    st.lists(st.tuples(amounts, st.text(alphabet="0123456789", min_size=1, max_size=25)), min_size=1, max_size=30),
    decimals,
    st.booleans(),
)
def test_parse_too_many_fraction_digits(items: list[tuple[int, str]], d: int, round_up: bool) -> None:
    # More digits than the asset has: an error, or (round_up) rounded up, never down.
    texts: list[str | None] = []
    for value, extra in items:
        base = format_units(value, d)
        texts.append(base + ("" if "." in base else ".") + extra)
    check_against_reference(texts, d, round_up)


@pytest.mark.parametrize(
    ("text", "d", "expected"),
    [
        ("0", 8, 0),
        ("1.5", 8, 150_000_000),
        ("0.1", 8, 10_000_000),
        ("0.00000001", 8, 1),
        ("007.10", 2, 710),
        ("100.25", 2, 10025),
        ("18446744073709551616", 0, 2**64),
        ("1.0000000000000000001", 18, None),  # 19 fraction digits, the asset has 18
        ("340282366920938463463374607431768211455", 0, LIMIT - 1),
        ("340282366920938463463374607431768211456", 0, None),
        ("3402823669209384634633746074317.68211455", 8, LIMIT - 1),
        ("3402823669209384634633746074317.68211456", 8, None),
        ("3402823669209384634633746074317.7", 8, None),  # wraps if scaled without a check
        ("0" * 60 + "1", 0, 1),
    ],
)
def test_parse_examples(text: str, d: int, expected: int | None) -> None:
    parsed = parse_texts(pl.Series([text]), d)
    if expected is None:
        assert parsed.status[0] != Status.OK
    else:
        assert parsed.status[0] == Status.OK
        assert u128.to_ints(parsed.limbs) == [expected]


def test_statuses_say_what_is_wrong() -> None:
    texts = ["1.5", "-1", "1.123456789", "340282366920938463463374607431768211456", None, ""]
    parsed = parse_texts(pl.Series(texts, dtype=pl.String), 8)
    assert [Status(s) for s in parsed.status] == [
        Status.OK,
        Status.SYNTAX,
        Status.PRECISION,
        Status.RANGE,
        Status.SYNTAX,
        Status.SYNTAX,
    ]


def test_round_up_rounds_up_never_down_and_says_so() -> None:
    texts = ["0.000000001", "1.000000000", "1.123456780000001", "0.99999999999", "1.5"]
    parsed = parse_texts(pl.Series(texts), 8, round_up=True)
    assert u128.to_ints(parsed.limbs) == [1, 100_000_000, 112_345_679, 100_000_000, 150_000_000]
    assert parsed.rounded.tolist() == [True, False, True, True, False]


def test_round_up_past_the_top_is_a_range_error() -> None:
    parsed = parse_texts(pl.Series(["340282366920938463463374607431768211455.1"]), 0, round_up=True)
    assert parsed.status.tolist() == [Status.RANGE]
    assert not parsed.rounded.any()


def test_dust_sums_exactly() -> None:
    # THREATS L14: 10^6 dust amounts and 0.1 + 0.2, exactly (no float anywhere).
    dust = parse_texts(pl.Series(["0.00000001"] * 1_000_000), 8)
    assert u128.total(dust.limbs[:, None, :]) == [1_000_000]
    pair = parse_texts(pl.Series(["0.1", "0.2", "0.3"]), 8)
    a, b, c = u128.to_ints(pair.limbs)
    assert a + b == c == 30_000_000
    assert parse_texts(pl.Series(["1e-9"]), 8).status.tolist() == [Status.SYNTAX]


# -- canonical dialect (the published file) ---------------------------------------------


@SETTINGS
@given(st.lists(amounts, min_size=1, max_size=30), decimals)
def test_canonical_round_trip(values: list[int], d: int) -> None:
    texts = [format_units(v, d) for v in values]
    parsed = parse_texts(pl.Series(texts), d, canonical=True)
    assert not parsed.status.any()
    assert u128.to_ints(parsed.limbs) == values


@SETTINGS
@given(
    st.lists(
        st.one_of(
            noise, st.tuples(amounts, st.integers(0, 2), st.booleans()).map(lambda t: spellings(t[0], 8, t[1], t[2]))
        ),
        min_size=1,
        max_size=30,
    )
)
def test_canonical_accepts_exactly_one_spelling(texts: list[str]) -> None:
    parsed = parse_texts(pl.Series(texts, dtype=pl.String), 8, canonical=True)
    for text, status, value in zip(texts, parsed.status.tolist(), u128.to_ints(parsed.limbs), strict=True):
        expected = reference_parse(text, 8, False)
        canonical = expected is not None and format_units(expected, 8) == text
        assert (status == Status.OK) == canonical, text
        if canonical:
            assert value == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("-1.00000000", "negative"),
        ("+1.00000000", "sign"),
        ("01.00000000", "leading zeros"),
        ("1.0000000", "fractional digits"),
        ("1.000000000", "fractional digits"),
        (" 1.00000000", "whitespace"),
        ('"1.00000000"', "quoted"),
        ("1e8", "exponent"),
        ("", "empty"),
        ("3402823669209384634633746074317.68211456", "2^128"),
    ],
)
def test_canonical_rejections_are_described(text: str, fragment: str) -> None:
    parsed = parse_texts(pl.Series([text]), 8, canonical=True)
    assert parsed.status[0] != Status.OK
    assert fragment in describe(text, 8, canonical=True)


def test_describe_uses_the_reference_messages() -> None:
    assert "negative" in describe("-1", 8)
    assert "exponent" in describe("1.5E3", 8)
    assert "not a number" in describe("NaN", 8)
    assert "whitespace" in describe("1 ", 8)
    assert "9 fractional digits" in describe("0.000000001", 8)
    assert "empty" in describe(None, 8)


def test_bad_decimals_argument() -> None:
    with pytest.raises(ValueError, match="decimals"):
        parse_texts(pl.Series(["1"]), 19)
    with pytest.raises(ValueError, match="decimals"):
        format_limbs(np.zeros((1, 2), dtype=np.uint64), -1)


def test_describe_keeps_messages_short() -> None:
    assert len(describe("1." + "1" * 100_000, 8)) <= 200
    assert len(describe("-" + "1" * 100_000, 8, canonical=True)) <= 200
