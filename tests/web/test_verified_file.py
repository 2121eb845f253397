"""A large published file is sent piece by piece, each piece checked against the digest taken at start-up."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from solvent.protocol.errors import FileDigestMismatch
from solvent.web.catalog import IN_MEMORY, PIECE, VerifiedFile, _verified_chunks, verify_bound_files


def _published(tmp_path: Path, size: int) -> tuple[Path, bytes]:
    data = bytes((i * 7 + i // 251) & 0xFF for i in range(size))
    path = tmp_path / "liabilities.csv"
    path.write_bytes(data)
    return path, data


def _checked(path: Path) -> VerifiedFile:
    vf = verify_bound_files(path.parent, {path.name: hashlib.sha256(path.read_bytes()).hexdigest()})[path.name]
    assert vf.data is None and len(vf.pieces) == -(-vf.size // PIECE)
    return vf


def test_an_unchanged_large_file_is_sent_whole(tmp_path: Path) -> None:
    path, data = _published(tmp_path, IN_MEMORY + 3 * PIECE + 17)
    vf = _checked(path)
    with path.open("rb") as f:
        assert b"".join(_verified_chunks(vf, f)) == data


@pytest.mark.parametrize("where", [0, PIECE - 1, 5 * PIECE, IN_MEMORY + 3 * PIECE + 16])
def test_a_changed_byte_is_never_sent(tmp_path: Path, where: int) -> None:
    path, data = _published(tmp_path, IN_MEMORY + 3 * PIECE + 17)
    vf = _checked(path)
    with path.open("r+b") as f:
        f.seek(where)
        f.write(bytes([data[where] ^ 0xFF]))
    sent = bytearray()
    with pytest.raises(FileDigestMismatch), path.open("rb") as f:
        for piece in _verified_chunks(vf, f):
            sent += piece
    assert len(sent) == where // PIECE * PIECE  # every piece before the changed one, nothing of it
    assert bytes(sent) == data[: len(sent)]


def test_a_file_cut_short_after_the_check_stops_before_the_gap(tmp_path: Path) -> None:
    path, data = _published(tmp_path, IN_MEMORY + 3 * PIECE + 17)
    vf = _checked(path)
    with path.open("r+b") as f:
        f.truncate(2 * PIECE + 5)
    sent = bytearray()
    with pytest.raises(FileDigestMismatch), path.open("rb") as f:
        for piece in _verified_chunks(vf, f):
            sent += piece
    assert bytes(sent) == data[: 2 * PIECE]
