"""Strings to bytes and offsets and back: every length class, multi-byte UTF-8, order."""

from __future__ import annotations

import numpy as np

from solvent.columnar.strings import gather_bytes, strings_from_bytes


def _pack(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    raw = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(raw) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in raw], out=offsets[1:])
    return np.frombuffer(b"".join(raw), dtype=np.uint8), offsets


TEXTS = ["a", "", "éé", "user-1", "x" * 17, "名前", 'b,"c"', "y" * 300, "z" * 64, "7"]


def test_strings_come_back_in_order_whatever_their_length() -> None:
    data, offsets = _pack(TEXTS)
    assert strings_from_bytes(data, offsets, "uid").to_list() == TEXTS
    assert strings_from_bytes(data[:0], np.zeros(1, dtype=np.int64)).to_list() == []


def test_gather_bytes_reorders_variable_length_strings() -> None:
    data, offsets = _pack(TEXTS)
    order = np.array([7, 0, 0, 5, 1, 9], dtype=np.int64)
    moved, new_offsets = gather_bytes(data, offsets, order)
    assert strings_from_bytes(moved, new_offsets).to_list() == [TEXTS[i] for i in order]
    assert new_offsets[-1] == sum(len(TEXTS[i].encode()) for i in order)
