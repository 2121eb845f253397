"""timestamp_seconds: the manifest's taken_at as exact seconds since 1970."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from solvent.protocol.errors import FormatError
from solvent.protocol.manifest import timestamp_seconds


def _midnight(day: date) -> int:
    # Independent of the code under test: whole days since 1970 times 86400 (UTC has no DST).
    return (day - date(1970, 1, 1)).days * 86400


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1970-01-01T00:00:00Z", Fraction(0)),
        ("2026-11-23T00:00:00Z", Fraction(_midnight(date(2026, 11, 23)))),
        ("2026-11-23T01:02:03Z", Fraction(_midnight(date(2026, 11, 23)) + 3723)),
        ("2024-02-29T23:59:59Z", Fraction(_midnight(date(2024, 3, 1)) - 1)),
        ("2026-11-23T00:00:00.5Z", _midnight(date(2026, 11, 23)) + Fraction(1, 2)),
        ("2026-11-23T00:00:00.000000001Z", _midnight(date(2026, 11, 23)) + Fraction(1, 10**9)),
        ("2026-11-22T23:59:59.999999999Z", _midnight(date(2026, 11, 23)) - Fraction(1, 10**9)),
        ("1969-12-31T23:59:59.25Z", Fraction(-3, 4)),
    ],
)
def test_exact_seconds(text: str, expected: Fraction) -> None:
    got = timestamp_seconds(text)
    assert type(got) is Fraction
    assert got == expected


def test_the_independent_reference_agrees_with_a_known_date() -> None:
    assert _midnight(date(2026, 11, 23)) == 1795392000  # 20780 days after 1970-01-01


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23T00:00:00",  # no Z
        "2026-11-23T00:00:00+00:00",
        "2026-11-23 00:00:00Z",
        "2026-11-23T00:00:00.Z",
        "2026-11-23T00:00:00.1234567891Z",  # ten fractional digits
        "2026-02-30T00:00:00Z",
        "2026-11-23T23:59:60Z",  # leap second
        "\uff12\uff10\uff12\uff16-11-23T00:00:00Z",  # full-width digits: not ASCII
        1795392000,
        None,
    ],
)
def test_what_check_timestamp_refuses_is_refused(text: object) -> None:
    with pytest.raises(FormatError) as e:
        timestamp_seconds(text, "snapshot.taken_at")
    assert e.value.message.startswith("snapshot.taken_at: ")
