"""ReadAt: what serve reads of a tree file is the file as it was checked, or an error."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from solvent.protocol.errors import FormatError
from solvent.tree.store import PIECE, ReadAt


def _file(tmp_path: Path, size: int) -> tuple[Path, bytes, tuple[bytes, ...]]:
    data = bytes((7 * i + i // 253) & 0xFF for i in range(size))
    path = tmp_path / "level-00.bin"
    path.write_bytes(data)
    pieces = tuple(hashlib.sha256(data[at : at + PIECE]).digest() for at in range(0, size, PIECE))
    return path, data, pieces


@pytest.mark.parametrize(
    ("start", "stop"), [(0, 48), (PIECE - 10, PIECE + 10), (3 * PIECE + 1, 3 * PIECE + 17), (0, 0)]
)
def test_slices_of_an_unchanged_file(tmp_path: Path, start: int, stop: int) -> None:
    path, data, pieces = _file(tmp_path, 3 * PIECE + 17)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert ReadAt(fd, len(data), path, pieces)[start:stop] == data[start:stop]
        assert ReadAt(fd, len(data), path)[start:stop] == data[start:stop]
    finally:
        os.close(fd)


def test_a_byte_changed_in_place_is_an_error_not_an_answer(tmp_path: Path) -> None:
    path, data, pieces = _file(tmp_path, 3 * PIECE + 17)
    fd = os.open(path, os.O_RDONLY)
    try:
        with path.open("r+b") as f:
            f.seek(2 * PIECE + 100)
            f.write(b"\x00" * 48)
        reader = ReadAt(fd, len(data), path, pieces)
        assert reader[0:48] == data[0:48]  # another piece: still as checked
        with pytest.raises(FormatError, match="changed since it was checked"):
            reader[2 * PIECE + 96 : 2 * PIECE + 144]
    finally:
        os.close(fd)


def test_a_file_cut_short_is_an_error(tmp_path: Path) -> None:
    path, data, pieces = _file(tmp_path, 3 * PIECE + 17)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.truncate(path, PIECE)
        for checked in (pieces, None):
            with pytest.raises(FormatError):
                ReadAt(fd, len(data), path, checked)[2 * PIECE : 2 * PIECE + 48]
    finally:
        os.close(fd)
