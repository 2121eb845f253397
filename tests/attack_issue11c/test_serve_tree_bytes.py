"""`solvent serve`'s tree and proof answers come from tree files read at request time (pread):
bytes changed under the server after its start-up check are served as they are now, while
the same file under /files is served only as checked.  A real server on loopback."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.attack_issue11b.conftest import SID, build_v1, build_v2
from tests.web.conftest import start_serve
from tests.web.test_serve_limits import get


def _node_hash(level_file: bytes, record: int, index: int) -> str:
    return level_file[index * record : index * record + 32].hex()


def test_v2_tree_file_replaced_after_start_is_never_served(tmp_path: Path) -> None:
    built = build_v2(tmp_path)
    level = built.public / "tree" / "BTC" / "level-00.bin"
    published = level.read_bytes()
    s = start_serve([built.directory])
    try:
        forged = bytes(len(published))  # same size: every hash and sum zero
        (built.public / ".next").write_bytes(forged)
        os.replace(built.public / ".next", level)
        status, _, body = get(s, f"/api/snapshots/{SID}/trees/BTC/0/0")
        assert s.process.poll() is None
        if status == 200:
            assert json.loads(body)["hash"] == _node_hash(published, 48, 0), "a node never published was served"
        else:
            assert status == 500
    finally:
        s.stop()


def test_v1_tree_file_rewritten_in_place_is_never_served(tmp_path: Path) -> None:
    built = build_v1(tmp_path)
    level = built.public / "tree" / "level-00.bin"
    published = level.read_bytes()
    s = start_serve([built.directory])
    try:
        with level.open("r+b") as f:  # in place, same size
            f.write(bytes(32))
        status, _, body = get(s, f"/api/snapshots/{SID}/tree/0/0")
        assert s.process.poll() is None
        if status == 200:
            assert json.loads(body)["hash"] == published[:32].hex(), "a node never published was served"
        else:
            assert status == 500
    finally:
        s.stop()
