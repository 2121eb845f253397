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
