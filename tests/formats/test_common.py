"""The shared pieces: the leaf-count bound a path gives away, strict JSON with exact numbers."""

from __future__ import annotations

import pytest

from solvent.errors import FormatError
from solvent.formats.common import leaf_count_range, load_json


def _facts(n: int, index: int) -> tuple[int, frozenset[int]]:
    """Simulate a tree of n leaves that pads odd levels: the path's height and padding levels."""
    levels, twins, size, i, k = 0, set(), n, index, 0
    while size > 1:
        if i == size - 1 and size % 2 == 1:
            twins.add(k)
        size, i, k, levels = (size + 1) // 2, i // 2, k + 1, levels + 1
    return levels, frozenset(twins)


@pytest.mark.parametrize("n", range(1, 70))
def test_the_range_holds_n_and_every_n_in_it_gives_the_same_path(n: int) -> None:
    for index in range(n):
        levels, twins = _facts(n, index)
        low, high = leaf_count_range(index, levels, twins)
        assert low <= n <= high
        # tight: any other count in the range would show the same path (so nothing more is learnt)
        assert all(_facts(m, index) == (levels, twins) for m in range(low, high + 1))


def test_numbers_as_text_never_become_floats() -> None:
    doc = load_json(b'{"a": 1.10, "b": 3, "c": "x"}', "t", numbers_as_text=True)
    assert doc == {"a": "1.10", "b": "3", "c": "x"} and not isinstance(doc["a"], float)
    for bad, why in [
        (b'{"a": 1, "a": 2}', "duplicate"),
        (b'{"a": NaN}', "not allowed"),
        (b"\xef\xbb\xbf{}", "byte-order"),
    ]:
        with pytest.raises(FormatError, match=why):
            load_json(bad, "t", numbers_as_text=True)
