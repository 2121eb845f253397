"""The strict JSON loader: nesting bounded before parsing, in one linear pass even on hostile input."""

from __future__ import annotations

import subprocess
import sys

import pytest

from solvent.protocol.errors import FormatError
from solvent.protocol.strictjson import check_depth, loads_strict

HOSTILE = {
    "escaped-quotes": "'{\"x\":\"' + '\\\\\"' * N",
    "escaped-quotes-lone-backslash": "'\"' + '\\\\\"' * N + '\\\\'",
    "backslashes": "'\"' + '\\\\\\\\' * N",
    "quote-backslash": "'\"\\\\' * N",
    "quotes": "'\"' * N",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_depth_check_is_linear_on_hostile_strings(name: str) -> None:
    """4 MB of adversarial quoting: a backtracking scan would take hours; one pass takes well under a second.

    Run in a child with a generous bound so a regression fails the test instead of hanging the suite.
    """
    code = (
        "from solvent.protocol.strictjson import check_depth\n"
        f"N = 2_000_000\ntext = {HOSTILE[name]}\n"
        "try:\n    check_depth(text)\nexcept Exception:\n    pass\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_deep_nesting_is_refused_before_parsing() -> None:
    sys.setrecursionlimit(100_000)  # as some libraries do; the C decoder would then overflow the stack
    try:
        for text in ("[" * 100_000, '{"a":' * 100_000):
            with pytest.raises(FormatError) as e:
                loads_strict(text.encode())
            assert e.value.code == "json-syntax"
    finally:
        sys.setrecursionlimit(1000)


def test_brackets_inside_strings_do_not_count() -> None:
    check_depth('"' + "[" * 1000 + '"')
    assert loads_strict(('{"a": "' + "{" * 100 + '"}').encode()) == {"a": "{" * 100}
    with pytest.raises(FormatError):
        check_depth("[" * 65)
    check_depth("[" * 64 + "]" * 64)
