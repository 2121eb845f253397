"""The shared pieces: the leaf-count bound a path gives away, strict JSON with exact numbers."""

from __future__ import annotations

import pytest

from solvent.formats.common import leaf_count_range, load_json
from solvent.protocol.errors import FormatError


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


def test_asset_names_are_restricted_before_they_are_hashed_or_printed() -> None:
    from solvent.formats.common import asset_name

    assert asset_name("USDT", "x") == "USDT"
    for bad in ['BT"C', "", "A" * 33, "\x1b[31m", "B T C"]:
        with pytest.raises(FormatError) as e:
            asset_name(bad, "self.balances")
        assert e.value.code == "asset"


def test_the_foreign_verifiers_import_only_the_standard_library() -> None:
    """Readable and auditable: no third-party code between a published file and its verdict."""
    import subprocess
    import sys

    code = (
        "import sys; from solvent.formats import registry\n"
        "for n in registry.names()[1:]: registry.get(n)\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    foreign = [
        m for m in loaded if m not in sys.stdlib_module_names and m not in {"solvent", "__main__", "_distutils_hack"}
    ]
    assert foreign == []
