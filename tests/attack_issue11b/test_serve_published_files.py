"""`solvent serve` while its published files change under it: a tree file cut short in place, a
FIFO swapped in for a streamed file.  A real server process on loopback; every wait is a socket
deadline, never a sleep.

The operator's own tools do both: ``cp new/level-00.bin public/tree/`` truncates the file before
writing it (the same inode the server mapped), and whoever can rewrite a published file in place
(the attacker of threat S6, which the server already defends against for the bytes it sends)
can as well rename a FIFO over it.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import pytest

from tests.attack_issue11b.conftest import SID, build_v1, build_v2
from tests.web.conftest import start_serve
from tests.web.test_serve_limits import STREAM_ALL, ask, has_security_headers


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()


def _answers(host: str, port: int, path: str, deadline_s: float) -> int | None:
    """The status of ``GET path``, or None if no answer came within the deadline (or at all)."""
    try:
        with socket.create_connection((host, port), timeout=deadline_s) as c:
            c.sendall(_get(path))
            data = b""
            while chunk := c.recv(65536):
                data += chunk
    except OSError:  # refused, reset, or the deadline passed
        return None
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None


@pytest.mark.parametrize("version", [1, 2])
def test_a_tree_file_cut_short_in_place_never_takes_the_server_down(tmp_path: Path, version: int) -> None:
    built = build_v1(tmp_path) if version == 1 else build_v2(tmp_path)
    s = start_serve([built.directory])
    try:
        for f in sorted((built.public / "tree").rglob("*.bin")):
            os.truncate(f, 0)
        proof = _answers(s.host, s.port, f"/api/snapshots/{SID}/proofs/{built.hashed_id}", 20)
        node = f"/api/snapshots/{SID}/tree/0/0" if version == 1 else f"/api/snapshots/{SID}/trees/BTC/0/0"
        tree = _answers(s.host, s.port, node, 20)
        # a refusal (500) is fine; a dead server is not
        assert proof in (200, 500) and tree in (200, 500), (proof, tree, s.process.poll())
        assert s.process.poll() is None
        status, headers, _ = ask(s, _get("/api/snapshots"))
        assert status == 200 and has_security_headers(headers)
    finally:
        s.stop()


#: Requests tried while the FIFO and the file take turns; the race is usually won within a few hundred.
TRIES = 1500


def test_a_fifo_swapped_in_for_a_streamed_file_never_blocks_the_server(tmp_path: Path) -> None:
    built = build_v1(tmp_path)
    # every bound file streamed from disk, as files over 1 MiB always are
    s = start_serve([built.directory], python=STREAM_ALL)
    public = built.public
    target = public / "liabilities.csv"
    regular, fifo = public / ".regular", public / ".fifo"
    shutil.copyfile(target, regular)
    os.mkfifo(fifo)
    stop = threading.Event()

    def swap() -> None:  # the regular file and the FIFO take turns under the published name
        while not stop.is_set():
            for source in (regular, fifo):
                os.link(source, public / ".next")
                os.replace(public / ".next", target)

    swapper = threading.Thread(target=swap, daemon=True)
    swapper.start()
    try:
        hung = False
        for _ in range(TRIES):
            if _answers(s.host, s.port, f"/api/snapshots/{SID}/files/liabilities.csv", 2) is None:
                hung = True
                break
        stop.set()
        swapper.join(timeout=10)
        # whatever the file was at each request, the server still answers everyone else
        assert _answers(s.host, s.port, "/api/snapshots", 2) == 200, f"hung={hung}"
    finally:
        stop.set()
        s.process.kill()  # a server blocked in open() would sit out a graceful stop's whole deadline
        s.process.wait()
