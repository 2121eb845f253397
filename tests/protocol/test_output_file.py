"""write_output_file: never into a snapshot being read, whole or not at all, special files as they are."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from solvent.protocol.errors import InputError
from solvent.protocol.layout import write_output_file


def _snapshot(tmp_path: Path) -> Path:
    (tmp_path / "snap" / "public").mkdir(parents=True)
    (tmp_path / "snap" / "private").mkdir()
    (tmp_path / "snap" / "public" / "snapshot.json").write_text("{}")
    return tmp_path / "snap"


@pytest.mark.parametrize("given", ["snap", "snap/public"])
@pytest.mark.parametrize(
    "out", ["snap/public/snapshot.json", "snap/private/proof.json", "snap/public", "snap/x/../public/a"]
)
def test_nothing_is_written_into_the_snapshot_being_read(tmp_path: Path, given: str, out: str) -> None:
    _snapshot(tmp_path)
    with pytest.raises(InputError, match="inside the snapshot"):
        write_output_file(tmp_path / out, b"x", snapshots=[tmp_path / given], option="--out")
    assert (tmp_path / "snap" / "public" / "snapshot.json").read_text() == "{}"
    assert sorted(p.name for p in (tmp_path / "snap").rglob("*")) == ["private", "public", "snapshot.json"]


def test_a_report_beside_the_snapshots_folders_is_written(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path)
    write_output_file(snap / "report.html", b"<html>", snapshots=[snap / "public"], option="--html")
    assert (snap / "report.html").read_bytes() == b"<html>"


def test_a_link_into_the_snapshot_is_refused(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path)
    (tmp_path / "out.json").symlink_to(snap / "public" / "snapshot.json")
    with pytest.raises(InputError, match="inside the snapshot"):
        write_output_file(tmp_path / "out.json", b"x", snapshots=[snap], option="--out")


def test_a_file_beside_is_written_whole_and_replaced(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path)
    out = tmp_path / "proof.json"
    for data in (b"first", b"second, longer"):
        write_output_file(out, data, snapshots=[snap], option="--out")
        assert out.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proof.json", "snap"]  # no temporary left


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        write_output_file(tmp_path, b"x", snapshots=[], option="--out")


def test_a_pipe_the_user_names_is_written_to_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_output_file(fifo, b"through the pipe", snapshots=[], option="--out")
    reader.join(timeout=30)
    assert got == [b"through the pipe"] and fifo.is_fifo()
