"""`solvent serve` against hostile clients (docs/web.md, "A server that stays up").

Each test reproduces one finding of the red-team run against a real server process on
loopback, and fails without its defence:

* thousands of unfinished requests from one address starved every other client (503);
* a 60 MB header was answered 200, and four unfinished 100 MB headers took the server's
  memory from 61 MB to 550 MB;
* a request with ``Host: evil.example`` was redirected there;
* some error answers carried no security headers;
* a published file changed after start-up was served as it now was.

No test sleeps for timing: each waits on a socket with a deadline.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from solvent.web.api import create_app
from solvent.web.catalog import load_catalog
from tests.web.conftest import OLDER, Demo, Server, start_serve

pytestmark = pytest.mark.integration

#: The headers every answer carries, whoever writes it (the application or the connection guard).
SECURITY = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-resource-policy": "same-origin",
}
ATTACKER = "127.0.0.2"  # loopback has every 127/8 address: the attacker's differs from the customer's
CUSTOMER = "127.0.0.3"


def connect(server: Server, source: str | None = None, timeout: float = 10.0) -> socket.socket:
    return socket.create_connection(
        (server.host, server.port), timeout=timeout, source_address=(source, 0) if source else None
    )


def read_answer(sock: socket.socket, deadline_s: float = 20.0) -> tuple[int, dict[str, str], bytes]:
    """Read until the server closes the connection (every answer below closes it), within a deadline."""
    sock.settimeout(deadline_s)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/1.1 ") else 0
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
    return status, headers, body


def ask(server: Server, request: bytes, source: str | None = None) -> tuple[int, dict[str, str], bytes]:
    with connect(server, source) as s:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # answered and closed before the end
            s.sendall(request)
        return read_answer(s)


def get(server: Server, path: str, source: str | None = None, host: str = "x") -> tuple[int, dict[str, str], bytes]:
    return ask(server, f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode(), source)


def has_security_headers(headers: dict[str, str]) -> bool:
    return all(headers.get(k) == v for k, v in SECURITY.items()) and headers.get(
        "content-security-policy", ""
    ).startswith("default-src 'none'")


@pytest.fixture(scope="module")
def patient(demo: Demo) -> Iterator[Server]:
    """A server whose head deadline (60 s) outlasts every test: only the per-client cap protects it."""
    s = start_serve([demo.older.directory], "--header-timeout", "60")
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def strict(demo: Demo) -> Iterator[Server]:
    """A server with a 1 s head deadline and one connection per client."""
    s = start_serve([demo.older.directory], "--header-timeout", "1", "--max-per-client", "1")
    try:
        yield s
    finally:
        s.stop()


def peak_rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])


# --- slow clients ---------------------------------------------------------------------------


@pytest.mark.faults
def test_slow_sockets_from_one_address_do_not_starve_a_customer(patient: Server) -> None:
    """4,200 unfinished requests from one address: before, every other request got 503."""
    slow: list[socket.socket] = []
    try:
        for _ in range(4200):
            s = connect(patient, ATTACKER)
            slow.append(s)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # refused already: the cap
                s.sendall(b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\n")  # never finished
        for _ in range(5):
            status, headers, body = get(patient, "/api/snapshots", CUSTOMER)
            assert status == 200 and json.loads(body)[0]["snapshot_id"] == OLDER
        # The attacker's sockets beyond the cap were answered 503 (with the headers) and closed.
        status, headers, _ = read_answer(slow[-1])
        assert status == 503 and has_security_headers(headers)
        assert json.loads(read_answer(slow[-2])[2])["error"] == "busy"
    finally:
        for s in slow:
            s.close()


@pytest.mark.faults
def test_an_unfinished_head_is_cut_off_at_the_deadline(strict: Server) -> None:
    """A slowloris socket (a request head never finished) and an idle one are closed after --header-timeout."""
    with connect(strict, ATTACKER, timeout=20) as s:
        s.sendall(b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        status, headers, body = read_answer(s)
        assert status == 408 and has_security_headers(headers) and json.loads(body)["error"] == "timeout"
    with connect(strict, ATTACKER, timeout=20) as s:
        assert read_answer(s) == (0, {}, b"")  # closed without a word: it asked nothing
    status, _, _ = get(strict, "/api/snapshots", ATTACKER)  # and the address is served again
    assert status == 200


def test_one_client_over_its_cap_is_answered_503_with_the_headers(strict: Server) -> None:
    with connect(strict, ATTACKER, timeout=20) as held:
        held.sendall(b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\n")
        status, headers, body = get(strict, "/api/snapshots", ATTACKER)
        assert status == 503 and has_security_headers(headers) and json.loads(body)["error"] == "busy"
        assert get(strict, "/api/snapshots", CUSTOMER)[0] == 200  # another address is not affected


# --- oversized heads ------------------------------------------------------------------------


def test_a_60_mb_header_is_431(patient: Server) -> None:
    status, headers, body = ask(patient, b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (60 << 20))
    assert status == 431 and has_security_headers(headers) and json.loads(body)["error"] == "too-large"


def test_a_long_request_line_is_414(patient: Server) -> None:
    status, headers, _ = ask(patient, b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 414 and has_security_headers(headers)


@pytest.mark.faults
def test_four_unfinished_100_mb_headers_keep_memory_bounded(patient: Server) -> None:
    """Before, the server's peak memory grew by about 490 MB; now each head stops at 16 KiB."""
    get(patient, "/api/snapshots")  # warm
    before = peak_rss_kib(patient.process.pid)
    header = b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (100 << 20)
    answers: list[int] = []

    def send() -> None:
        answers.append(ask(patient, header)[0])

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert answers == [431] * 4
    grown_mib = (peak_rss_kib(patient.process.pid) - before) / 1024
    assert grown_mib < 32, f"peak memory grew by {grown_mib:.0f} MiB"
    assert get(patient, "/api/snapshots")[0] == 200


# --- no redirect from the Host header ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/snapshots/", f"/api/snapshots/{OLDER}/", "/static/app.css/", "//"])
def test_the_host_header_is_never_reflected(patient: Server, path: str) -> None:
    status, headers, body = get(patient, path, host="evil.example")
    assert status == 404 and "location" not in headers and has_security_headers(headers)
    assert b"evil" not in body and not any("evil" in v for v in headers.values())


def test_no_trailing_slash_redirect_in_the_application(demo: Demo) -> None:
    catalog = load_catalog([demo.older.directory])
    try:
        with TestClient(create_app(catalog), base_url="http://evil.example") as client:
            r = client.get("/api/snapshots/", follow_redirects=False)
            assert r.status_code == 404 and "location" not in r.headers
    finally:
        catalog.close()


# --- security headers on every answer -----------------------------------------------------------


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /no/such/page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404),
        (b"POST /api/snapshots HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 405),
        (b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 413),
        (b"HEAD /api/snapshots HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 413),
        (b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
        (
            b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            200,
        ),
    ],
    ids=["404", "405", "413", "413-head", "400", "websocket-upgrade"],
)
def test_every_error_answer_has_the_security_headers(patient: Server, request_bytes: bytes, status: int) -> None:
    got, headers, _ = ask(patient, request_bytes)
    assert got == status and has_security_headers(headers)
    if status in (405, 413):
        assert headers["connection"] == "close"  # the body is never read: the connection is not reused


def test_a_500_outside_the_error_mapping_has_the_headers(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure in SecurityMiddleware's own error path: Starlette's last-resort 500 had no headers."""
    catalog = load_catalog([demo.older.directory])
    snap = catalog.get(OLDER)
    assert snap is not None

    def fail(*_: object) -> bytes:
        raise RuntimeError("/srv/secret/path")

    def broken_mapping(e: BaseException) -> tuple[int, bytes]:
        raise RuntimeError("the error mapping itself failed")

    monkeypatch.setattr(snap.proofs, "proof", fail)
    monkeypatch.setattr("solvent.web.security.to_http", broken_mapping)
    try:
        with TestClient(create_app(catalog), raise_server_exceptions=False) as client:
            r = client.get(f"/api/snapshots/{OLDER}/proofs/{demo.older.accounts[0].hashed_id}")
            assert r.status_code == 500 and has_security_headers({k: v for k, v in r.headers.items()})
            assert r.json()["error"] == "internal" and b"/srv/secret" not in r.content
    finally:
        catalog.close()


# --- published files: only as the manifest binds them ---------------------------------------------


def copy_snapshot(demo: Demo, tmp_path: Path) -> Path:
    target = tmp_path / "snapshot"
    shutil.copytree(demo.older.directory / "public", target / "public")
    return target


def manifest_digest(directory: Path, name: str) -> str:
    return str(json.loads((directory / "public" / "snapshot.json").read_bytes())["files"][name])


def test_a_tampered_liabilities_csv_is_refused_at_start(demo: Demo, tmp_path: Path) -> None:
    directory = copy_snapshot(demo, tmp_path)
    csv = directory / "public" / "liabilities.csv"
    csv.write_bytes(csv.read_bytes().replace(b",0.00\n", b",9.00\n", 1))
    done = subprocess.run(
        [sys.executable, "-m", "solvent", "serve", str(directory), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0 and "liabilities.csv" in done.stderr and "SHA-256 differs" in done.stderr
    assert "Traceback" not in done.stderr and "Serving" not in done.stdout


def http_get(server: Server, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes | None]:
    """(status, headers, body), body None when the server cut the answer short."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=20)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        headers = {k.lower(): v for k, v in r.getheaders()}
        try:
            body: bytes | None = r.read()
        except (http.client.IncompleteRead, ConnectionError):
            body = None
        return r.status, headers, body
    finally:
        conn.close()


def test_a_small_file_changed_after_start_is_served_as_checked(demo: Demo, tmp_path: Path) -> None:
    directory = copy_snapshot(demo, tmp_path)
    csv = directory / "public" / "liabilities.csv"
    s = start_serve([directory])
    try:
        csv.write_bytes(csv.read_bytes() + b"f" * 64 + b",0.00000000,0.00000000,0.00000000,9999.00\n")
        path = f"/api/snapshots/{OLDER}/files/liabilities.csv"
        status, headers, body = http_get(s, path)
        assert status == 200 and body is not None
        assert hashlib.sha256(body).hexdigest() == manifest_digest(directory, "liabilities.csv")
        assert headers["etag"] == f'"{manifest_digest(directory, "liabilities.csv")}"'
        head_status, head_headers, _ = http_get(s, path, "HEAD")
        assert head_status == 200 and head_headers["content-length"] == headers["content-length"]
    finally:
        s.stop()


#: ``python -c``: solvent serve with every bound file streamed from disk (none kept in memory).
STREAM_ALL = (
    "-c",
    "import runpy, solvent.web.catalog as c; c.IN_MEMORY = 0; runpy.run_module('solvent', run_name='__main__')",
)


def test_a_streamed_file_changed_after_start_is_never_served(demo: Demo, tmp_path: Path) -> None:
    directory = copy_snapshot(demo, tmp_path)
    csv = directory / "public" / "liabilities.csv"
    original = csv.read_bytes()
    s = start_serve([directory], python=STREAM_ALL)
    path = f"/api/snapshots/{OLDER}/files/liabilities.csv"
    try:
        assert http_get(s, path)[2] == original  # streamed, and checked while it went
        # The same size, one amount changed: the digest is checked while streaming, the answer cut short.
        tampered = original.replace(b",0.00\n", b",9.00\n", 1)
        assert len(tampered) == len(original) and tampered != original
        csv.write_bytes(tampered)
        status, headers, body = http_get(s, path)
        assert body != tampered and (body is None or len(body) < int(headers["content-length"]))
        # Another size: refused before any byte, a 500 with the headers, GET and HEAD alike.
        csv.write_bytes(original + b"x")
        for method in ("GET", "HEAD"):
            status, headers, body = http_get(s, path, method)
            assert status == 500 and has_security_headers(headers), method
            if method == "GET":
                assert body is not None and json.loads(body)["error"] == "file-digest"
        csv.write_bytes(original)  # put back: served again
        assert http_get(s, path)[2] == original
    finally:
        s.stop()


# --- a client that stops reading ------------------------------------------------------------

#: ``python -c``: solvent serve with a 1 s send deadline (30 s by default).
SHORT_SEND = (
    "-c",
    "import runpy, solvent.web.limits as l; l.DEFAULT_LIMITS = l.Limits(send_timeout=1.0); "
    "runpy.run_module('solvent', run_name='__main__')",
)
TCP_CLOSE = 7  # tcp_info.tcpi_state of a connection the peer reset


@pytest.mark.faults
def test_a_client_that_stops_reading_is_dropped(demo: Demo) -> None:
    """Thousands of pipelined requests, no answer read: the server's buffer fills, and it lets go."""
    s = start_serve([demo.older.directory], python=SHORT_SEND)
    try:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((s.host, s.port))
        sock.setblocking(False)
        request = f"GET /api/snapshots/{OLDER}/files/liabilities.csv HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        with contextlib.suppress(BlockingIOError):
            for _ in range(50_000):
                sock.send(request)
        deadline = time.monotonic() + 30
        state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
        while state != TCP_CLOSE and time.monotonic() < deadline:
            time.sleep(0.05)  # polling interval of a bounded wait, not a timing assumption
            state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
        sock.close()
        assert state == TCP_CLOSE, "the server still holds a connection that reads nothing"
        assert get(s, "/api/snapshots")[0] == 200
    finally:
        s.stop()


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),  # IPv4-mapped: the IPv4 client it is
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),  # the same /64: the same client
        ("fe80::1%eth0", "fe80::/64"),
    ],
)
def test_a_client_is_counted_by_address_and_ipv6_by_its_64(address: str, key: str) -> None:
    from solvent.web.guard import client_key

    assert client_key((address, 1234)) == key
