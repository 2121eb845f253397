"""`solvent serve` as a customer's operator runs it: the printed URL, the bind address, clear failures."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.conftest import Demo, Server, start_serve

pytestmark = pytest.mark.integration


def raw_get(server: Server, path: str) -> tuple[int, bytes]:
    """A request line sent as is (no client-side normalisation of ``..``)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.putrequest("GET", path, skip_host=False, skip_accept_encoding=True)
    conn.endheaders()
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body


def test_banner_names_the_snapshots_and_the_url(server: Server) -> None:
    assert "Serving 2 snapshot(s) (2026-11-23, 2026-10-31)" in server.banner
    assert server.url == f"http://127.0.0.1:{server.port}/"


@pytest.mark.parametrize(
    "path",
    [
        "/../private/users.csv",
        "/api/snapshots/2026-11-23/files/../../../private/users.csv",
        "/api/snapshots/2026-11-23/files/..%2f..%2fprivate%2fusers.csv",
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/web/api.py",
        "/private/users.csv",
        "//etc/passwd",
    ],
)
def test_no_path_traversal_against_the_real_server(server: Server, path: str) -> None:
    status, body = raw_get(server, path)
    assert status in (400, 404), (path, status)
    assert b"user_secret" not in body and b"root:" not in body


def test_huge_request_line_is_refused(server: Server) -> None:
    status, body = raw_get(server, "/api/snapshots/2026-11-23/proofs/" + "a" * 20_000)
    assert status in (400, 414) and b"user_secret" not in body


def test_bind_address_is_configurable(demo: Demo) -> None:
    s = start_serve([demo.older.directory], "--host", "127.0.0.2")
    try:
        assert s.url.startswith("http://127.0.0.2:")
        assert raw_get(s, "/api/snapshots")[0] == 200
    finally:
        s.stop()


def test_port_in_use_and_bad_directories_are_usage_errors(demo: Demo, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "solvent", "serve", str(demo.older.directory), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2 and "cannot listen on 127.0.0.1" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "solvent", "serve", str(tmp_path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "not a snapshot directory" in done.stderr and "Traceback" not in done.stderr


def test_two_workers_share_the_socket(demo: Demo) -> None:
    s = start_serve([demo.older.directory], "--workers", "2")
    try:
        for _ in range(20):
            assert raw_get(s, "/api/snapshots")[0] == 200
    finally:
        s.stop()
    assert s.process.returncode is not None


# `python -m solvent serve ...` with solvent.web.server._run replaced, so that a worker
# (after the fork) fails the way the test says: every worker, or only the first one to
# claim a marker file while the others serve normally.
FAILING_WORKER = """
import os, runpy, sys
from pathlib import Path
import solvent.web.server as server
from solvent.protocol.errors import FormatError

real_run = server._run
mode, marker = sys.argv[1], Path(sys.argv[2])
del sys.argv[1:3]

def run(*args, **kwargs):
    if mode == "one":
        try:
            marker.open("x").close()
        except FileExistsError:
            return real_run(*args, **kwargs)
    if mode == "bug":
        raise RuntimeError("worker bug")
    raise FormatError("tree/level-03.bin: 12 bytes, expected 96", evidence={"file": "tree/level-03.bin"})

server._run = run
runpy.run_module("solvent", run_name="__main__")
"""


def failing_serve(mode: str, tmp_path: Path) -> list[str]:
    return [sys.executable, "-c", FAILING_WORKER, mode, str(tmp_path / "claimed"), "serve"]


@pytest.mark.parametrize("mode", ["all", "one", "bug"])
def test_a_failing_worker_stops_the_server_with_its_error(demo: Demo, tmp_path: Path, mode: str) -> None:
    done = subprocess.run(
        [*failing_serve(mode, tmp_path), str(demo.older.directory), "--port", "0", "--workers", "3"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0, done.stderr
    if mode == "bug":
        # A bug: its traceback once, then the error once, however many workers hit it.
        assert done.stderr.count("Traceback") == 1 and done.stderr.count("RuntimeError: worker bug") == 2
        assert "a worker failed: RuntimeError: worker bug" in done.stderr
    else:
        # An expected error: printed once, as the CLI prints any error, with its evidence; no traceback.
        assert done.stderr.count("tree/level-03.bin: 12 bytes, expected 96") == 1, done.stderr
        assert "file: tree/level-03.bin" in done.stderr and "Traceback" not in done.stderr
    assert "Serving 1 snapshot(s)" in done.stdout  # it had started; the failure came from a worker


def test_a_failing_single_worker_is_an_error_too(demo: Demo, tmp_path: Path) -> None:
    done = subprocess.run(
        [*failing_serve("all", tmp_path), str(demo.older.directory), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0 and done.stderr.count("12 bytes, expected 96") == 1 and "Traceback" not in done.stderr
