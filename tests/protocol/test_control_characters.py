"""is_control: the one rule for names and single-line texts shown to people or signed."""

from __future__ import annotations

import sys

import pytest

from solvent.protocol.errors import FormatError
from solvent.protocol.manifest import check_exchange_name, is_control


def _breaks_a_line(c: str) -> bool:
    return len(f"a{c}b".splitlines()) > 1


def test_every_line_break_python_knows_is_a_control_character() -> None:
    # Found by asking str.splitlines about every code point, not from a list written here.
    breaks = [chr(i) for i in range(sys.maxunicode + 1) if _breaks_a_line(chr(i))]
    assert "\n" in breaks and "\u2028" in breaks  # the scan itself finds the obvious ones
    assert [c for c in breaks if not is_control(c)] == []


@pytest.mark.parametrize("code", [0x00, 0x09, 0x0A, 0x0D, 0x1B, 0x1F, 0x7F, 0x80, 0x85, 0x9B, 0x9F, 0x2028, 0x2029])
def test_controls_and_separators(code: int) -> None:
    assert is_control(chr(code))
    with pytest.raises(FormatError) as e:
        check_exchange_name(f"Demo{chr(code)}Exchange")
    assert e.value.evidence == {"field": "exchange"}


@pytest.mark.parametrize("c", [" ", "A", "~", "\u00a0", "\u00e9", "\u0645", "\U0001f600"])
def test_printable_and_other_characters_are_not_controls(c: str) -> None:
    assert not is_control(c)
    if c != "\u00a0":  # not a control, but a name holds white space only as plain spaces
        assert check_exchange_name(f"Demo{c}Exchange") == f"Demo{c}Exchange"
