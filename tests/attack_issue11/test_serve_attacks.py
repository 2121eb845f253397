"""`solvent serve` against a hostile client: smuggling, absolute-form targets, Host tricks, split floods,
HEAD against GET, headers on every answer, a published file swapped after start.

A real server process on loopback; every wait is a socket deadline, never a sleep.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.attack_issue11.conftest import Kit
from tests.web.conftest import Server, start_serve
from tests.web.test_serve_limits import STREAM_ALL, ask, connect, has_security_headers, read_answer

SID = "2026-11-01"


@pytest.fixture(scope="module")
def server(kit: Kit) -> Iterator[Server]:
    s = start_serve([kit.snapshot], "--header-timeout", "10")
    try:
        yield s
    finally:
        s.stop()


def _get(path: str, *, method: str = "GET", host: str = "x", extra: str = "") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n".encode()


@pytest.mark.parametrize(
    "request_bytes",
    [
        _get("http://evil.example/api/snapshots/"),
        _get("http://evil.example//evil.example/"),
        _get("//evil.example/"),
        _get("/\\evil.example/"),
        _get(f"/api/snapshots/{SID}/", host="evil.example"),
        _get("/api/snapshots/", extra="X-Forwarded-Host: evil.example\r\nForwarded: host=evil.example\r\n"),
        b"GET /api/snapshots/ HTTP/1.0\r\n\r\n",
    ],
    ids=["absolute", "absolute-double", "scheme-relative", "backslash", "host", "forwarded", "http10"],
)
def test_no_answer_points_to_another_host(server: Server, request_bytes: bytes) -> None:
    status, headers, body = ask(server, request_bytes)
    assert status != 0 and "evil" not in headers.get("location", "") and b"evil.example" not in body
    assert has_security_headers(headers)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /api/snapshots HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n"
        b"GET /smuggled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
        b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\n\x1b[2J: y\r\n\r\n",
    ],
    ids=["cl-te-post", "cl-te-get", "two-cl", "te-list", "bad-header", "escape-name"],
)
def test_smuggling_is_refused_with_the_headers(server: Server, request_bytes: bytes) -> None:
    status, headers, body = ask(server, request_bytes)
    assert status in (400, 405, 413, 501), (status, body)
    assert has_security_headers(headers)
    assert body.count(b"HTTP/1.1 ") == 0  # no second answer: the smuggled request was never run


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/snapshots",
        "/static/app.css",
        "/nope",
        f"/api/snapshots/{SID}/files/liabilities.csv",
        f"/api/snapshots/{SID}/",
        f"/api/snapshots/{SID}/files/snapshot.json",
    ],
)
def test_head_and_get_answer_alike(server: Server, path: str) -> None:
    get_status, get_headers, _ = ask(server, _get(path))
    head_status, head_headers, head_body = ask(server, _get(path, method="HEAD"))
    drop = {"date"}
    assert get_status == head_status and head_body == b""
    assert {k: v for k, v in get_headers.items() if k not in drop} == {
        k: v for k, v in head_headers.items() if k not in drop
    }
    assert has_security_headers(head_headers)


def test_a_header_flood_split_over_many_packets_is_431(server: Server) -> None:
    with connect(server) as c:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.sendall(b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\n")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for i in range(2000):
                c.sendall(b"X-%d: " % i + b"b" * 40 + b"\r\n")
        status, headers, _ = read_answer(c)
    assert status == 431 and has_security_headers(headers)


def test_pipelined_requests_are_each_answered_and_each_head_is_bounded(server: Server) -> None:
    one = b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\n\r\n"
    with connect(server) as c:
        c.sendall(one * 20 + _get("/api/snapshots"))
        _, _, rest = read_answer(c)
    assert rest.count(b"HTTP/1.1 200") == 20  # the 21 answers: the first head was split off by read_answer


def test_a_rewritten_streamed_file_never_sends_foreign_bytes(tmp_path: Path) -> None:
    from tests.web.snapshots import make_snapshot

    snap = make_snapshot(tmp_path, snapshot_id=SID, taken_at="2026-11-01T00:00:00Z", accounts=6000)
    csv = snap.directory / "public" / "liabilities.csv"
    original = csv.read_bytes()
    assert len(original) > 2 * 256 * 1024
    s = start_serve([snap.directory], python=STREAM_ALL)
    try:
        secret = (b"SECRET-" * (len(original) // 7 + 1))[: len(original)]
        with csv.open("r+b") as f:  # the same file, the same size, other bytes
            f.write(secret)
        _, _, body = ask(s, _get(f"/api/snapshots/{SID}/files/liabilities.csv"))
        assert b"SECRET" not in body
    finally:
        s.stop()


def test_every_answer_the_guard_writes_has_the_headers(kit: Kit) -> None:
    s = start_serve([kit.snapshot], "--max-per-client", "1", "--header-timeout", "10")
    try:
        with connect(s) as held:
            held.sendall(b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\n")
            status, headers, body = ask(s, _get("/api/snapshots"))
            assert status == 503 and has_security_headers(headers) and json.loads(body)["error"] == "busy"
        for request_bytes, expected in (
            (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n", 414),
            (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64, 400),  # TLS to a plain port
            (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400),
        ):
            status, headers, _ = ask(s, request_bytes)
            assert status == expected and has_security_headers(headers), (request_bytes[:20], status)
    finally:
        s.stop()


def test_address_variants_of_one_client_are_counted_once() -> None:
    from solvent.web.guard import client_key

    assert client_key(("::ffff:127.0.0.2", 1)) == client_key(("127.0.0.2", 2))
    assert client_key(("2001:db8::1", 1)) == client_key(("2001:db8::ffff:2", 2))  # one host's /64
    assert client_key(("127.0.0.2", 1)) != client_key(("127.0.0.3", 1))  # loopback: distinct clients


@pytest.mark.parametrize(
    ("one", "other"),
    [("64:ff9b::c000:201", "64:ff9b::c633:6402"), ("::ffff:0:c000:201", "::ffff:0:c633:6402")],
    ids=["nat64", "siit"],
)
def test_translated_ipv4_clients_are_counted_apart(one: str, other: str) -> None:
    from solvent.web.guard import client_key

    assert client_key((one, 1)) != client_key((other, 1))


@pytest.mark.parametrize(
    "path",
    [
        f"/api/snapshots/{SID}/files/../private/users.csv",
        f"/api/snapshots/{SID}/files/%2e%2e/private/users.csv",
        f"/api/snapshots/{SID}/files/..%2fprivate%2fusers.csv",
        f"/api/snapshots/{SID}/files/private/users.csv",
        "/static/..%2f..%2f..%2fprivate/users.csv",
        "/static/%2e%2e/%2e%2e/private/users.csv",
        f"/api/snapshots/..%2f{SID}%2fprivate/files/users.csv",
        f"/api/snapshots/{SID}/files/%2fetc%2fpasswd",
        f"/api/snapshots/{SID}/files/tree%5c..%5c..%5cprivate%5cusers.csv",
    ],
)
def test_no_path_reaches_a_private_file(server: Server, kit: Kit, path: str) -> None:
    status, headers, body = ask(server, _get(path))
    assert status == 404 and has_security_headers(headers)
    assert kit.secret.encode() not in body and b"root:" not in body
