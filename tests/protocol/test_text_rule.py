"""The one rule for untrusted text shown to people: one table in Python, the same in the browser.

``protocol.manifest.UNSAFE_TEXT_RANGES`` is the source; protocol/js/parse.js carries the
same table (the browser cannot import Python).  This test reads the JavaScript literal and
requires the two to be equal, so neither can drift; the ``exchange-name`` conformance
vectors then run both checkers on the same names.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from pathlib import Path

import pytest

from solvent.protocol.errors import FormatError
from solvent.protocol.manifest import UNSAFE_TEXT_RANGES, check_exchange_name, is_control

PARSE_JS = Path(__file__).parents[2] / "src" / "solvent" / "protocol" / "js" / "parse.js"


def _js_table() -> tuple[tuple[int, int], ...]:
    text = PARSE_JS.read_text()
    body = re.search(r"export const UNSAFE_TEXT_RANGES = \[(.*?)\n\];", text, re.S)
    assert body is not None, "UNSAFE_TEXT_RANGES is not in parse.js"
    pairs = re.findall(r"\[(0x[0-9a-f]+), (0x[0-9a-f]+)\]", body.group(1))
    return tuple((int(a, 16), int(b, 16)) for a, b in pairs)


def test_the_browser_table_is_the_python_table() -> None:
    assert _js_table() == UNSAFE_TEXT_RANGES


def test_the_table_is_sorted_and_disjoint() -> None:
    for (low, high), (next_low, _) in itertools.pairwise(UNSAFE_TEXT_RANGES):
        assert low <= high < next_low


@pytest.mark.parametrize("low_high", UNSAFE_TEXT_RANGES, ids=lambda r: f"U+{r[0]:04X}-U+{r[1]:04X}")
def test_each_range_is_refused_at_both_ends_and_its_neighbours_are_not(low_high: tuple[int, int]) -> None:
    low, high = low_high
    for o in (low, high):
        assert is_control(chr(o))
        with pytest.raises(FormatError, match=f"U\\+{o:04X}"):
            check_exchange_name(f"A{chr(o)}B")
    for o in (low - 1, high + 1):
        if 0x20 <= o < 0x110000 and not any(a <= o <= b for a, b in UNSAFE_TEXT_RANGES):
            assert not is_control(chr(o))


def test_every_control_format_surrogate_and_private_use_code_point_is_in_the_table() -> None:
    """Python's Unicode database (categories Cc, Cf, Cs, Co) finds nothing the table misses:
    a format character added to Unicode later is caught here when Python learns it."""
    missed = [
        f"U+{o:04X}"
        for o in range(0x110000)
        if unicodedata.category(chr(o)) in ("Cc", "Cf", "Cs", "Co") and not is_control(chr(o))
    ]
    assert not missed, missed[:20]


@pytest.mark.parametrize(
    "name",
    [
        "Binance",
        "OKX",
        "Bybit",
        "Échange 交易所",
        "Crypto Exchange",
        "Ex & Co.",
        "Exchange \U0001f680",
    ],
)
def test_ordinary_names_still_pass(name: str) -> None:
    assert check_exchange_name(name) == name
